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

        let process = Process()
        process.executableURL = ChildProcess.productsDirectory.appendingPathComponent("dossier")
        process.arguments = ["serve", "--store", store, "--listen", "127.0.0.1:0"]
        process.environment = ["LANG": "C", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        (process.standardOutput, process.standardError) = (out, FileHandle.nullDevice)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var printed = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !printed.contains("listening on"), ContinuousClock.now < deadline {
            printed += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        let port = try #require(printed.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/)?.1)
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
}
