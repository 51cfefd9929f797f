import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerTesting
import Testing

/// The server killed under load: what it answered 2xx is on disk, once.
@Suite(.temporaryDirectory)
struct ServeCrashTests {
    /// Starts `dossier serve` (with `arguments`) on a free loopback port; returns it and its port.
    static func serve(_ store: String, _ arguments: [String] = []) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = ChildProcess.productsDirectory.appendingPathComponent("dossier")
        process.arguments = ["serve", "--store", store, "--listen", "127.0.0.1:0"] + arguments
        process.environment = ["LANG": "C", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        (process.standardOutput, process.standardError) = (out, FileHandle.nullDevice)
        try process.run()
        var printed = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !printed.contains("\n"), process.isRunning, ContinuousClock.now < deadline {
            printed += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let port = printed.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap({ Int($0.1) }) else { throw CancellationError() }
        return (process, port)
    }

    /// Event `n`: a new dossier received at commune H19.X07.
    static func event(_ n: Int) -> (id: String, body: String) {
        let code = String(format: "000.00.47.H19-2611%02d-%04d", 1 + n / 9_000, 1 + n % 9_000)
        return ("crash-\(n)", #"{"id":"crash-\#(n)","dossier":"\#(code)","type":"received","at":"2026-11-20T08:00:00+07:00","actor":"cb.x07.1","unit":"H19.X07","procedure":"1.001193","channel":"direct"}"#)
    }

    @Test("SIGKILL at random moments under 8 appending clients that retry with the same ids: every event answered 2xx is stored once, verify passes")
    func killedUnderLoad() async throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SERVE_CRASH_ROUNDS"] ?? "") ?? 20
        let store = try fixedStore()
        let created = try dossier(["token", "create", "--store", store, "--role", "desk", "--unit", "H19.X07", "--name", "crash", "--format", "json"])
        let secret = String(try #require(created.stdout.firstMatch(of: /"secret":"(dlt_[0-9a-f]{64})"/)?.1))
        let session = URLSession(configuration: .ephemeral)
        var acknowledged = Set<String>()
        var next = 0  // events handed out so far; an unacknowledged one is sent again next round
        var pending: [Int] = []
        for _ in 0..<rounds {
            let (server, port) = try Self.serve(store)
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            let queue = pending + (next..<next + 400).map { $0 }
            next += 400
            let killAt = ContinuousClock.now + .milliseconds(Int.random(in: 100...700))
            let results = await withTaskGroup(of: [(Int, Bool)].self) { group in
                for client in 0..<8 {
                    let mine = queue.enumerated().filter { $0.offset % 8 == client }.map(\.element)
                    group.addTask {
                        var outcome: [(Int, Bool)] = []
                        for n in mine {
                            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/events")!)
                            (request.httpMethod, request.httpBody) = ("POST", Data(Self.event(n).body.utf8))
                            request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization")
                            let status = ((try? await session.data(for: request))?.1 as? HTTPURLResponse)?.statusCode ?? 0
                            outcome.append((n, (200...299).contains(status)))
                        }
                        return outcome
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: killAt)
                    kill(server.processIdentifier, SIGKILL)
                    return []
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            server.waitUntilExit()
            for (n, ok) in results where ok { acknowledged.insert(Self.event(n).id) }
            pending = results.filter { !$0.1 && !acknowledged.contains(Self.event($0.0).id) }.map(\.0)
        }
        #expect(acknowledged.count > 100, "the rounds acknowledged appends: \(acknowledged.count)")
        let export = try dossier(["export", "--store", store]).stdout
        var stored: [String: Int] = [:]
        for match in export.matches(of: /"id":"(crash-\d+)"/) { stored[String(match.1), default: 0] += 1 }
        let missing = acknowledged.filter { stored[$0] == nil }
        #expect(missing.isEmpty, "acknowledged but not stored: \(missing.sorted().prefix(5))")
        #expect(stored.values.allSatisfy { $0 == 1 }, "an event stored twice")
        let verified = try dossier(["verify", "--store", store])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        print("serve crash test: \(rounds) rounds, \(acknowledged.count) appends acknowledged, \(stored.count) stored")
    }
}
