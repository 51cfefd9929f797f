import DossierLog
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerTesting
import Testing

/// The log for auditors and downstream systems: head, export lines, and the live stream.
@Suite(.temporaryDirectory)
struct LogRouteTests {
    @Test("the head and a page of export lines, as `dossier export` writes them; for auditors only")
    func pages() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let head = try #require(try await service.ledger.store.head())
        let checkpoint = try await service.request("GET", "/v1/checkpoint", token: service.tokens["auditor"])
        #expect(checkpoint.body.contains(#""seq":\#(head.position.rawValue),"hash":"\#(head.hash.hex)""#), "\(checkpoint.body)")
        let page = try await service.request("GET", "/v1/events?from_seq=100&limit=50", token: service.tokens["auditor"])
        var expected: [String] = []
        try await service.ledger.export(from: GlobalPosition(100), through: GlobalPosition(149)) { expected.append($0) }
        #expect(page.status == 200 && page.body == expected.joined(separator: "\n") + "\n")
        #expect(try await service.request("GET", "/v1/events?limit=10001", token: service.tokens["auditor"]).status == 400)
        #expect(try await service.request("GET", "/v1/events?from_seq=0", token: service.tokens["auditor"]).status == 400)
        for role in ["desk", "inspector", "operator"] {
            for path in ["/v1/checkpoint", "/v1/events", "/v1/events/stream"] {
                #expect(try await service.request("GET", path, token: service.tokens[role]).status == 403, "\(role) \(path)")
            }
        }
    }

    @Test("the stream catches up from a seq, then sends an event appended later; Last-Event-ID resumes after the last one received")
    func liveStream() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let head = try #require(try await service.ledger.store.head()).position.rawValue
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/v1/events/stream?from_seq=\(head - 1)")!)
        request.setValue("Bearer \(service.tokens["auditor"]!)", forHTTPHeaderField: "Authorization")
        let appended = Task {
            try await Task.sleep(for: .milliseconds(500))
            return try await service.request("POST", "/v1/events", token: service.tokens["desk"], body: ServiceTests.received("s1", dossier: "000.00.47.H19-261120-9401"))
        }
        let text = await StreamReader.read(request) { $0.contains(#""id":"s1""#) }
        #expect(try await appended.value.status == 201)
        let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { $0.dropFirst(4) }
        #expect(ids == ["\(head - 1)", "\(head)", "\(head + 1)"], "\(text)")
        #expect(text.contains(#""id":"s1""#))

        request.setValue("\(head)", forHTTPHeaderField: "Last-Event-ID")
        let resumed = await StreamReader.read(request) { $0.contains("\n\n") }
        #expect(resumed.hasPrefix("id: \(head + 1)\n"), "\(resumed)")
    }
}

/// Checkpoints signed by the service's key, as `dossier checkpoint --key` signs them.
@Suite(.temporaryDirectory)
struct SignedCheckpointTests {
    @Test("with a key, the checkpoint is a signed note of the tree up to the head (JSON, or the note alone as text/plain); without one, text/plain is 406")
    func signed() async throws {
        let key = try NoteSigner(name: "dossierledger/test")
        let service = try await RunningService.start(in: TemporaryDirectory.path, signing: ("dossierledger/test", key))
        defer { Task { await service.stop() } }
        let head = try #require(try await service.ledger.store.head())
        let text = try await service.request("GET", "/v1/checkpoint", token: service.tokens["auditor"], headers: ["Accept": "text/plain"])
        #expect(text.status == 200 && text.headers["content-type"]?.hasPrefix("text/plain") == true)
        let note = try SignedNote(parsing: text.body)
        #expect(note.isSigned(by: key.verifier))
        #expect(!note.isSigned(by: try NoteSigner(name: "dossierledger/test").verifier), "another key's signature would not do")
        let checkpoint = try TreeCheckpoint(text: note.text)
        #expect(checkpoint.origin == "dossierledger/test" && checkpoint.size == head.position.rawValue && checkpoint.head == head.hash)
        #expect(checkpoint.root == (try await service.ledger.store.treeRoot(size: head.position.rawValue)))
        let json = try await service.request("GET", "/v1/checkpoint", token: service.tokens["auditor"])
        let object = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any]
        #expect((object?["signed_checkpoint"] as? String).map { try? SignedNote(parsing: $0).isSigned(by: key.verifier) } == true, "\(json.body)")
        #expect(try await service.request("GET", "/v1/checkpoint", token: service.tokens["inspector"], headers: ["Accept": "text/plain"]).status == 403)

        try FileManager.default.createDirectory(atPath: TemporaryDirectory.path + "/unsigned", withIntermediateDirectories: true)
        let unsigned = try await RunningService.start(in: TemporaryDirectory.path + "/unsigned")
        defer { Task { await unsigned.stop() } }
        #expect(try await unsigned.request("GET", "/v1/checkpoint", token: unsigned.tokens["auditor"], headers: ["Accept": "text/plain"]).status == 406)
        #expect(try await unsigned.request("GET", "/v1/checkpoint", token: unsigned.tokens["auditor"]).body.contains(#""signed_checkpoint":null"#))
    }
}
