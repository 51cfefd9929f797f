import Foundation
import Glibc
import LedgerTesting
import Testing

/// Another user can read a store shared with a group (`dossier init --group`): a real second
/// account, made for the test, runs the real executable on it.
@Suite(.temporaryDirectory)
struct SharedStoreTests {
    /// Runs a command as root's helper would, for the account set-up.
    func system(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("an inspector's own account in the store's group reads it (--read-only automatically) and cannot write it",
          .enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser"),
                   "needs root (to add a user and a group) and runuser: skipped"))
    func groupReadable() throws {
        let (group, user) = ("dossier-test-inspectors", "dossier-test-insp")
        _ = try system(["/usr/sbin/groupadd", "-f", group])
        if getpwnam(user) == nil { #expect(try system(["/usr/sbin/useradd", "-M", "-N", "-G", group, user]) == 0) }
        let store = try fixedStore()
        let grant = try dossier(["init", "--store", store, "--group", group])
        #expect(grant.status == 0 && grant.stdout.contains("readable by group \(group)"), "\(grant.stderr)")
        #expect(try dossier(["rebuild", "--store", store]).status == 0)
        // The executable where the other account can run it, and the test's directories open to it
        // (only those this test made: never the system's temporary directory itself).
        let binary = TemporaryDirectory.path + "/dossier"
        try FileManager.default.copyItem(at: ChildProcess.productsDirectory.appendingPathComponent("dossier"), to: URL(fileURLWithPath: binary))
        for directory in [(TemporaryDirectory.path as NSString).deletingLastPathComponent, TemporaryDirectory.path, TemporaryDirectory.path + "/stores"] {
            guard let mode = (try? FileManager.default.attributesOfItem(atPath: directory))?[.posixPermissions] as? Int else { continue }
            chmod(directory, mode_t(mode & 0o7777) | 0o055)  // adds read and search for group and others
        }
        func asInspector(_ arguments: [String]) throws -> Run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", binary] + arguments
            process.environment = ["LANG": "C", "PATH": "/usr/bin:/bin"]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }
        let late = try asInspector(["late", "--store", store, "--include-finished", "--format", "json"])
        #expect(late.status == 0, "\(late.stderr)")
        #expect(late.stdout == (try dossier(["late", "--store", store, "--include-finished", "--format", "json"]).stdout))
        #expect(try asInspector(["verify", "--store", store]).status == 0)
        let write = try asInspector(["sweep", "--store", store])
        #expect(write.status == 1 && write.stderr.contains("read-only"), "\(write.stderr)")
        // A stranger (not in the group) cannot read it at all.
        let stranger = "dossier-test-stranger"
        if getpwnam(stranger) == nil { _ = try system(["/usr/sbin/useradd", "-M", "-N", stranger]) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = ["-u", stranger, "--", binary, "late", "--store", store]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
    }
}
