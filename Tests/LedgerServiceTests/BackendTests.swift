import DossierDomain
import DossierLog
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerTesting
import ReportFormats
import Testing
import Views

/// The service over each store of the seam: the same answers on LMDB and on PostgreSQL.
@Suite(.temporaryDirectory)
struct BackendTests {
    @Test("an append, its repeat, a stale If-Match, the history, the late list, a page of the log and the live stream, on each backend",
          arguments: Backend.available)
    func routes(_ backend: Backend) async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path, backend: backend)
        defer { Task { await service.stop() } }
        let (desk, auditor) = (service.tokens["desk"], service.tokens["auditor"])
        let dossier = "000.00.47.H19-261120-9501"
        let first = try await service.request("POST", "/v1/events", token: desk, body: ServiceTests.received("b1", dossier: dossier))
        #expect(first.status == 201, "\(first.body)")
        let again = try await service.request("POST", "/v1/events", token: desk, body: ServiceTests.received("b1", dossier: dossier))
        #expect(again.status == 200 && again.body.contains(#""already_stored":1"#), "\(again.body)")
        let stale = try await service.request("POST", "/v1/events", token: desk, body: ServiceTests.received("b2", dossier: dossier), headers: ["If-Match": "5"])
        #expect(stale.status == 409 && stale.body.contains(#""expected":"5""#) && stale.body.contains(#""actual":"1""#), "\(stale.body)")

        let history = try await service.request("GET", "/v1/dossiers/\(dossier)/history", token: auditor)
        let stored = try await LogReader(ledger: service.ledger, rules: try await service.ledger.rules()).history(of: dossier)
        #expect(history.status == 200 && history.body == Renderer(format: .json, language: .en).render(stored.report) && stored.report.rows.count == 1)
        let inspector = try await Inspector.open(service.engine)
        let late = try await service.request("GET", "/v1/reports/late", token: auditor)
        #expect(late.body == Renderer(format: .json, language: .en).render(try await inspector.lateList()))

        let head = try #require(try await service.ledger.store.head()).position.rawValue
        let page = try await service.request("GET", "/v1/events?from_seq=\(head)&limit=5", token: auditor)
        #expect(page.status == 200 && page.body.split(separator: "\n").count == 1 && page.body.contains(#""id":"b1""#), "\(page.body)")

        // A subscriber caught up at the head hears of an event appended later (PostgreSQL: LISTEN).
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/v1/events/stream?from_seq=\(head + 1)")!)
        request.setValue("Bearer \(auditor!)", forHTTPHeaderField: "Authorization")
        let appended = Task {
            try await Task.sleep(for: .milliseconds(500))
            return try await service.request("POST", "/v1/events", token: desk, body: ServiceTests.received("b3", dossier: "000.00.47.H19-261120-9502"))
        }
        let text = await StreamReader.read(request) { $0.contains(#""id":"b3""#) }
        #expect(try await appended.value.status == 201)
        #expect(text.hasPrefix("id: \(head + 1)\n") && text.contains(#""id":"b3""#), "\(text)")
    }
}
