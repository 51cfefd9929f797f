import Foundation
import LedgerTesting
import Testing

/// Our checkpoints and proofs checked by someone else's code: tools/verifier, built with Go
/// against Debian's golang-golang-x-mod-dev (the Go checksum database's note and tlog packages),
/// agrees with `dossier verify-proof` on good bundles and on every kind of tampered proof.
@Suite(.temporaryDirectory)
struct GoVerifierTests {
    /// Runs a program; its exit status and output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws -> (Int32, String) {
        let process = Process(), out = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// tools/verifier, built into the test's directory (GOPATH mode over Debian's Go packages).
    static func buildVerifier() throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/go"),
                     "Go is not installed: `make test-deps` installs golang-go and golang-golang-x-mod-dev")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../tools/verifier").standardized.path
        let binary = TemporaryDirectory.path + "/verifier"
        let (status, output) = try run("/usr/bin/go", ["build", "-o", binary, "."], environment: [
            "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOCACHE": TemporaryDirectory.path + "/gocache", "HOME": TemporaryDirectory.path,
        ], in: source)
        #expect(status == 0, "go build: \(output)")
        return binary
    }

    @Test("the Go checksum database's code opens our checkpoints and checks our proofs, and refuses what we refuse")
    func goAgrees() throws {
        let verifier = try Self.buildVerifier()
        let store = try fixedStore(), directory = TemporaryDirectory.path
        let office = directory + "/office.key", other = directory + "/other.key"
        for key in [office, other] { #expect(try dossier(["checkpoint", "--new-key", key, "--key-name", "h19.example/" + URL(fileURLWithPath: key).lastPathComponent]).status == 0) }
        let c1 = directory + "/c1", c2 = directory + "/c2", bundle = directory + "/bundle.json", proof = directory + "/proof.json"
        #expect(try dossier(["checkpoint", "--store", store, "--key", office, "--output", c1]).status == 0)
        let code = try ProofCLITests.dossierWithHistory(store)
        #expect(try dossier(["prove", code, "--store", store, "--checkpoint", c1, "--output", bundle]).status == 0)
        func go(_ arguments: [String], key: String = office) throws -> Int32 { try Self.run(verifier, ["-key", key + ".pub"] + arguments).0 }
        func ours(_ path: String, key: String = office) throws -> Int32 { try dossier(["verify-proof", path, "--public-key", key + ".pub"]).status }
        #expect(try go(["bundle", bundle]) == 0 && (try ours(bundle)) == 0)
        #expect(try go(["bundle", bundle], key: other) == 1 && (try ours(bundle, key: other)) == 3)

        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
        let signedByOther = try dossier(["checkpoint", "--store", store, "--key", other]).stdout
        let tampers: [(String, (inout [String: Any], inout [[String: Any]]) -> Void)] = [
            ("a wrong leaf index", { _, e in e[0]["leaf_index"] = (e[0]["leaf_index"] as! Int) + 1; e[0]["seq"] = (e[0]["seq"] as! Int) + 1 }),
            ("swapped proof hashes", { _, e in var p = e[0]["inclusion_proof"] as! [String]; p.swapAt(0, p.count - 1); e[0]["inclusion_proof"] = p }),
            ("a proof hash changed", { _, e in var p = e[0]["inclusion_proof"] as! [String]; p[0] = String(p[0].reversed()); e[0]["inclusion_proof"] = p }),
            ("another event's hash", { _, e in e[0]["hash"] = String(repeating: "ab", count: 32) }),
            ("a wrong tree size", { b, _ in b["checkpoint"] = (b["checkpoint"] as! String).replacing(/\n(\d+)\n/) { "\n\(Int($0.1)! + 1)\n" } }),
            ("a checkpoint signed by another key", { b, _ in b["checkpoint"] = signedByOther }),
        ]
        for (what, change) in tampers {
            var copy = original, events = original["events"] as! [[String: Any]]
            change(&copy, &events)
            copy["events"] = events
            let path = directory + "/tampered.json"
            try JSONSerialization.data(withJSONObject: copy).write(to: URL(fileURLWithPath: path))
            #expect(try go(["bundle", path]) == 1, "Go accepts \(what)")
            #expect(try ours(path) == 3, "we accept \(what)")
        }

        let more = ["append", "--store", store, "--id", "go-1", "--dossier", "NEW-GO", "--type", "received", "--at", "2026-11-27T09:00:00+07:00",
                    "--actor", "cb.h19.x01.1", "--unit", "H19.X01", "--field", "procedure=1.001193", "--field", "channel=direct"]
        #expect(try dossier(more).status == 0)
        #expect(try dossier(["checkpoint", "--store", store, "--key", office, "--output", c2]).status == 0)
        let consistency = try dossier(["consistency", c1, c2, "--store", store, "--public-key", office + ".pub", "--format", "json", "--output", proof])
        #expect(consistency.status == 0, "\(consistency.stderr)")
        try consistency.stdout.write(toFile: proof, atomically: true, encoding: .utf8)
        #expect(try go(["consistency", c1, c2, proof]) == 0)
        #expect(try go(["consistency", c2, c1, proof]) == 1)
        let forged = try String(contentsOfFile: proof, encoding: .utf8).replacing(/"proof":\["([^"]+)"/) { "\"proof\":[\"\(String($0.1.reversed()))\"" }
        try forged.write(toFile: proof, atomically: true, encoding: .utf8)
        #expect(try go(["consistency", c1, c2, proof]) == 1)
    }
}
