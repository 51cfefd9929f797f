import DossierDomain
import DossierLog
import Foundation
import LedgerTesting
import ReportFormats
import Testing
import Views

/// Every view under /v1/reports: the command line's JSON for an auditor, an inspector's subtree only.
@Suite(.temporaryDirectory)
struct ReportRouteTests {
    @Test("each view answers the JSON of its command; an inspector's rows all lie in its unit's subtree; views across units are refused it")
    func views() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let inspector = try await Inspector.open(service.engine)
        let period = try Period.parse("2025", cutOff15th: false)
        let renderer = Renderer(format: .json, language: .en)
        let expected: [(String, String, String)] = [
            ("late?include_finished=true", renderer.render(try await inspector.lateList(filter: LateFilter(includeFinished: true))), "holder_unit"),
            ("due-soon?as_of=2025-06-02T08:00:00%2B07:00", renderer.render(try await inspector.dueSoonList(asOf: try Instant(rfc3339: "2025-06-02T08:00:00+07:00"))), "holder_unit"),
            ("rates?period=2025", renderer.render(try await inspector.onTimeRates(period: period, by: .competentUnit)), "group"),
            ("online?period=2025", renderer.render(try await inspector.onlineRates(period: period)), "group"),
            ("periodic?period=2025", renderer.render(try await inspector.periodicReport(period: period)), "unit"),
            ("accountability?period=2025&by=unit", renderer.render(try await inspector.accountability(period: period, by: .unit)), "unit"),
            ("satisfaction?period=2025", renderer.render(try await inspector.satisfaction(period: period)), "group"),
            ("home-support?period=2025", renderer.render(try await inspector.homeSupport(period: period, by: .unit)), "group"),
        ]
        let catalog = inspector.rules.catalog
        let today = TimeGuard.wallClock().localDate
        var shown = 0
        for (path, json, field) in expected {
            let audited = try await service.request("GET", "/v1/reports/\(path)", token: service.tokens["auditor"])
            #expect(audited.status == 200 && audited.body == json, "\(path): \(audited.status) \(audited.body.prefix(300))")
            let scoped = try await service.request("GET", "/v1/reports/\(path)", token: service.tokens["inspector"])
            #expect(scoped.status == 200, "\(path): \(scoped.body)")
            let object = try JSONSerialization.jsonObject(with: Data(scoped.body.utf8)) as? [String: Any]
            let rows = object?["rows"] as? [[String: Any]] ?? []
            shown += rows.count
            for row in rows {
                let unit = row[field] as? String ?? ""
                #expect(catalog.lineage(of: unit, on: today).contains("H19.X07"), "\(path): a row of \(unit) shown to the inspector of H19.X07")
            }
        }
        #expect(shown > 0, "the inspector of H19.X07 sees its own rows")
        for path in ["rates?period=2025&by=procedure", "rates?period=2025&by=channel", "home-support?period=2025&by=officer", "late?unit=H19.X01",
                     "accountability?period=2025&unit=H19"] {
            #expect(try await service.request("GET", "/v1/reports/\(path)", token: service.tokens["inspector"]).status == 403, "\(path)")
        }
        for (path, status) in [("nothing?period=2025", 404), ("rates", 400), ("rates?period=2099", 400), ("rates?period=2025&by=colour", 400),
                               ("late?include_finished=maybe", 400), ("due-soon?within=-3", 400)] {
            #expect(try await service.request("GET", "/v1/reports/\(path)", token: service.tokens["auditor"]).status == status, "\(path)")
        }
        for role in ["desk", "operator"] {
            #expect(try await service.request("GET", "/v1/reports/rates?period=2025", token: service.tokens[role]).status == 403)
        }
    }
}
