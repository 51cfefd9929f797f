import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerTesting
import Testing

/// `dossier serve` as an operator runs it: the real executable, stopped with SIGTERM.
@Suite(.temporaryDirectory)
struct ServeCLITests {
    @Test("serve answers on the port it prints; SIGTERM ends it cleanly even with an event stream open; a non-loopback address is refused")
    func serveAndStop() async throws {
        let store = try fixedStore()
        let created = try dossier(["token", "create", "--store", store, "--role", "auditor", "--unit", "H19", "--name", "a", "--format", "json"])
        let secret = try #require(created.stdout.firstMatch(of: /"secret":"(dlt_[0-9a-f]{64})"/)?.1)
        let refused = try dossier(["serve", "--store", store, "--listen", "0.0.0.0:8080"])
        #expect(refused.status == 2 && refused.stderr.contains("loopback"), "\(refused.stderr)")

        let (process, port) = try ServeCrashTests.serve(store)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (_, health) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((health as? HTTPURLResponse)?.statusCode == 200)

        var stream = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/events/stream")!)
        stream.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization")
        let open = URLSession.shared.dataTask(with: stream)
        open.resume()
        try await Task.sleep(for: .seconds(1))
        let stopping = ContinuousClock.now
        process.terminate()  // SIGTERM
        while process.isRunning, ContinuousClock.now - stopping < .seconds(20) { try await Task.sleep(for: .milliseconds(50)) }
        open.cancel()
        #expect(!process.isRunning, "still running 20 s after SIGTERM")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationReason) \(process.terminationStatus)")
    }

    @Test("with --key the service's checkpoint is one `dossier verify --checkpoint` accepts; with --targets it serves the scorecard; a bad targets file is refused at start")
    func keyAndTargets() async throws {
        let store = try fixedStore()
        let dir = TemporaryDirectory.path
        #expect(try dossier(["checkpoint", "--store", store, "--new-key", dir + "/office.key"]).status == 0)
        try #"[{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98}]"#.write(toFile: dir + "/targets.json", atomically: true, encoding: .utf8)
        try "[{}]".write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try dossier(["serve", "--store", store, "--listen", "127.0.0.1:0", "--targets", dir + "/bad.json"])
        #expect(bad.status == 1 && bad.stderr.contains("bad.json"), "\(bad.stderr)")
        let created = try dossier(["token", "create", "--store", store, "--role", "auditor", "--unit", "H19", "--name", "a", "--format", "json"])
        let secret = try #require(created.stdout.firstMatch(of: /"secret":"(dlt_[0-9a-f]{64})"/)?.1)

        let (process, port) = try ServeCrashTests.serve(store, ["--key", dir + "/office.key", "--targets", dir + "/targets.json"])
        defer { kill(process.processIdentifier, SIGKILL) }
        func get(_ path: String, accept: String) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization")
            request.setValue(accept, forHTTPHeaderField: "Accept")
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        let (status, note) = try await get("/v1/checkpoint", accept: "text/plain")
        #expect(status == 200)
        try note.write(toFile: dir + "/served.checkpoint", atomically: true, encoding: .utf8)
        let verified = try dossier(["verify", "--store", store, "--read-only", "--checkpoint", dir + "/served.checkpoint", "--public-key", dir + "/office.key.pub"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let (scored, card) = try await get("/v1/reports/scorecard?period=2025", accept: "application/json")
        #expect(scored == 200 && card.contains(#""target":"On-time rate""#), "\(card.prefix(300))")
    }

    /// Runs a program with `input` on its standard input; its status and output.
    static func run(_ program: String, _ arguments: [String], input: String = "") throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let (stdin, out) = (Pipe(), Pipe())
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, out, out)
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("with --tls-cert and --tls-key it serves HTTPS that a verifying TLS client accepts (openssl s_client), and no plain HTTP")
    func https() async throws {
        let store = try fixedStore()
        let (dir, openssl) = (TemporaryDirectory.path, "/usr/bin/openssl")
        let (made, output) = try Self.run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                                    "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-subj", "/CN=127.0.0.1",
                                                    "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made == 0, "\(output)")
        let half = try dossier(["serve", "--store", store, "--listen", "127.0.0.1:0", "--tls-cert", dir + "/cert.pem"])
        #expect(half.status == 2 && half.stderr.contains("--tls-key"))
        let (process, port) = try ServeCrashTests.serve(store, ["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        defer { kill(process.processIdentifier, SIGKILL) }
        let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        let (status, answer) = try Self.run(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", dir + "/cert.pem",
                                                      "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet"], input: request)
        #expect(status == 0 && answer.contains("HTTP/1.1 200") && answer.contains("ok"), "\(answer)")
        let plain = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((plain?.1 as? HTTPURLResponse)?.statusCode != 200, "plain HTTP on the TLS port")
    }
}
