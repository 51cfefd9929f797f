import DossierDomain
import DossierLog
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

/// Views as CSV and workbooks, by `Accept` or `format`; the scorecard against the service's targets.
@Suite(.temporaryDirectory)
struct ReportFormatTests {
    @Test("Accept text/csv gives the CSV of --format csv; format=xlsx&lang=vi the workbook of --format xlsx --lang vi; an Accept of nothing a view is written as is 406")
    func formats() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let inspector = try await Inspector.open(service.engine)
        let rates = try await inspector.onTimeRates(period: try Period.parse("2025", cutOff15th: false), by: .competentUnit)
        let auditor = service.tokens["auditor"]
        let csv = try await service.request("GET", "/v1/reports/rates?period=2025", token: auditor, headers: ["Accept": "text/html;q=0.9, text/csv"])
        #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(csv.body == Renderer(format: .csv, language: .en).render(rates))

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/v1/reports/rates?period=2025&format=xlsx&lang=vi")!)
        request.setValue("Bearer \(auditor!)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200 && http.value(forHTTPHeaderField: "Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(http.value(forHTTPHeaderField: "Content-Disposition")?.contains("rates.xlsx") == true)
        let expected = try Workbook(renderer: Renderer(format: .xlsx, language: .vi)).data(rates)
        #expect(try sheet(data) == (try sheet(expected)), "the workbook's sheet is the one --format xlsx --lang vi writes")

        #expect(try await service.request("GET", "/v1/reports/rates?period=2025", token: auditor, headers: ["Accept": "text/html"]).status == 406)
        #expect(try await service.request("GET", "/v1/reports/rates?period=2025&format=table", token: auditor).status == 400)
        #expect(try await service.request("GET", "/v1/reports/rates?period=2025&lang=fr", token: auditor).status == 400)
    }

    @Test("the scorecard of the service's targets, as `dossier scorecard` computes it; an inspector sees its unit's targets only; no targets is 404")
    func scorecard() async throws {
        let targets = try Target.parse(json: Data("""
            [{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98},
             {"name": "Commune on time", "indicator": "on_time_rate", "unit": "H19.X07", "comparison": ">=", "threshold": 90},
             {"name": "Other commune on time", "indicator": "on_time_rate", "unit": "H19.X01", "comparison": ">=", "threshold": 90}]
            """.utf8))
        let service = try await RunningService.start(in: TemporaryDirectory.path, targets: targets)
        defer { Task { await service.stop() } }
        let inspector = try await Inspector.open(service.engine)
        let expected = try await inspector.scorecard(period: try Period.parse("2025", cutOff15th: false), targets: targets)
        let audited = try await service.request("GET", "/v1/reports/scorecard?period=2025", token: service.tokens["auditor"])
        #expect(audited.status == 200 && audited.body == Renderer(format: .json, language: .en).render(expected), "\(audited.body.prefix(300))")
        let scoped = try await service.request("GET", "/v1/reports/scorecard?period=2025", token: service.tokens["inspector"])
        let rows = (try JSONSerialization.jsonObject(with: Data(scoped.body.utf8)) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["target"] as? String } == ["Commune on time"], "\(scoped.body.prefix(400))")

        try FileManager.default.createDirectory(atPath: TemporaryDirectory.path + "/none", withIntermediateDirectories: true)
        let none = try await RunningService.start(in: TemporaryDirectory.path + "/none")
        defer { Task { await none.stop() } }
        #expect(try await none.request("GET", "/v1/reports/scorecard?period=2025", token: none.tokens["auditor"]).status == 404)
    }

    /// The worksheet of a workbook's bytes (read with Python's zipfile: another reader than ours).
    private func sheet(_ workbook: Data) throws -> String {
        let path = TemporaryDirectory.path + "/\(UUID().uuidString).xlsx"
        try workbook.write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 could not read the workbook")
        return text
    }
}
