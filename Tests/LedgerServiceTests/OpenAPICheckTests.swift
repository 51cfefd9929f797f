import EventLog
import Foundation
import LedgerService
import LedgerTesting
import Testing
import Views

/// The OpenAPI document kept true: schemathesis (from PyPI, installed by `make test` into
/// .build/schemathesis) generates requests from it, valid and invalid, against the running
/// service, and checks every answer against it: no server error, every status and content type
/// documented, every body matching its schema, authentication enforced, undeclared methods 405.
@Suite(.temporaryDirectory, .enabled(if: Schemathesis.path != nil, "schemathesis is not installed: `make test` installs it (.build/schemathesis)"))
struct OpenAPICheckTests {

    @Test("every operation, for the role that may call it, against the document (bounded: 10 examples each, under a minute per role, the roles at once)")
    func schemathesisCheck() async throws {
        var limits = LedgerService.Limits()
        (limits.perSecond, limits.burst) = (100_000, 100_000)  // the check's own pace is not what is checked
        // With a key and targets, so that the signed checkpoint and the scorecard are answered too.
        let targets = try Target.parse(json: Data(#"[{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98}]"#.utf8))
        let service = try await RunningService.start(in: TemporaryDirectory.path, limits: limits,
                                                     signing: ("dossierledger/test", try NoteSigner(name: "dossierledger/test")), targets: targets)
        defer { Task { await service.stop() } }
        let operations = [("desk", ["appendEvents", "voidEntry"]), ("operator", ["sweep", "rebuild", "metrics", "stats", "tokens", "revokeToken"]),
                          ("auditor", ["health", "ready", "exportEvents", "checkpoint", "dossierState", "dossierHistory", "report", "openapi", "verify"])]
        let failures = try await withThrowingTaskGroup(of: String?.self) { group in
            for (role, ids) in operations {
                let (port, token) = (service.port, service.tokens[role]!)
                // On threads of their own: waiting for a child process must not hold the pool the server runs on.
                group.addTask {
                    try await withCheckedThrowingContinuation { done in
                        Thread.detachNewThread { done.resume(with: Result { try Self.check(port: port, token: token, role: role, operations: ids) }) }
                    }
                }
            }
            return try await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
    }

    /// Runs schemathesis on `operations` with `token`; what it printed when it failed.
    static func check(port: Int, token: String, role: String, operations ids: [String]) throws -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(Schemathesis.path))
            process.arguments = ["--no-color", "run", "http://127.0.0.1:\(port)/v1/openapi.json", "-H", "Authorization: Bearer \(token)",
                                 "--checks", "all", "--exclude-checks", "positive_data_acceptance", "-n", "10", "--seed", "20261205",
                                 "--request-timeout", "10", "--max-time", "50"] + ids.flatMap { ["--include-operation-id", $0] }
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(role)-\(getpid())").path
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: home) }
            process.environment = ["SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": Schemathesis.root.appendingPathComponent("Tests/LedgerServiceTests/SchemaCheck").path,
                                   "PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
            process.currentDirectoryURL = URL(fileURLWithPath: home)
            let out = Pipe()
            (process.standardOutput, process.standardError) = (out, out)
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationStatus == 0 ? nil : "schemathesis as \(role):\n\(text.suffix(6000))"
    }
}

/// Where `make test` installs schemathesis.
enum Schemathesis {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let path: String? = {
        let path = root.appendingPathComponent(".build/schemathesis/bin/st").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()
}
