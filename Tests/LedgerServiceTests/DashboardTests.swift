import DossierDomain
import DossierLog
import EventLog
import Foundation
import LedgerDashboard
import LedgerTesting
import Testing
import Views

/// The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright (PyPI,
/// installed by `make test` into .build/browser) through `tools/browser/dashboard_check.py`.
@Suite(.temporaryDirectory, .enabled(if: Browser.python != nil, "Chromium or Playwright is not installed: `make test` installs them (apt chromium, .build/browser)"))
struct DashboardTests {
    @Test("sign in, the overview, a unit's bar down to the unit, a late dossier down to its history, the CSV of what is shown, sign out; an inspector sees its subtree only; no console error")
    func browser() async throws {
        let targets = try Target.parse(json: Data(#"[{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98}, {"name": "Commune on time", "indicator": "on_time_rate", "unit": "H19.X07", "comparison": ">=", "threshold": 90}]"#.utf8))
        let service = try await RunningService.start(in: TemporaryDirectory.path, signing: ("dossierledger/test", try NoteSigner(name: "dossierledger/test")),
                                                     targets: targets, pages: Dashboard())
        defer { Task { await service.stop() } }
        // A dossier of the commune received in October and never processed, and a receipt of 20
        // November that brings the views' instant there: the first is late by then.
        for (id, code, at) in [("d1", "000.00.47.H19-261001-9701", "2026-10-01T08:00:00+07:00"), ("d2", "000.00.47.H19-261120-9702", "2026-11-20T08:00:00+07:00")] {
            let event = ServiceTests.received(id, dossier: code).replacingOccurrences(of: "2026-11-20T08:00:00+07:00", with: at)
            #expect(try await service.request("POST", "/v1/events", token: service.tokens["desk"], body: event).status == 201)
        }
        let inspector = try await Inspector.open(service.engine)
        var foreign: String?
        for row in try await inspector.lateList(filter: LateFilter(includeFinished: true)).rows where foreign == nil {
            let units = try await inspector.log.history(of: row.dossier).units
            if !units.contains(where: { inspector.rules.catalog.lineage(of: $0, on: TimeGuard.wallClock().localDate).contains("H19.X07") }) { foreign = row.dossier }
        }
        let shots = Browser.screenshots
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let arguments = ["http://127.0.0.1:\(service.port)", service.tokens["auditor"]!, service.tokens["inspector"]!, "H19.X07", try #require(foreign), shots]
        let output = try await Browser.run(arguments)
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        #expect((seen["console_errors"] as? [String]) == [], "\(seen["console_errors"] ?? seen["failed"] ?? "")")
        #expect((seen["overview_cards"] as? Int) == 7 && (seen["overview_bars"] as? Int ?? 0) > 1)
        #expect((seen["unit_url"] as? String)?.contains("/dashboard/units/H19.") == true, "\(seen["unit_url"] ?? "")")
        #expect((seen["late_rows"] as? Int ?? 0) > 0 && seen["csv_matches_page"] as? Bool == true, "\(seen["csv_codes"] ?? "")")
        #expect(seen["dossier_chain_ok"] as? Bool == true && (seen["dossier_events"] as? Int ?? 0) > 0 && (seen["dossier_strip"] as? Int ?? 0) > 0)
        #expect(seen["signed_out"] as? Bool == true)
        #expect(seen["inspector_rows_in_subtree"] as? Bool == true && (seen["inspector_late_rows"] as? Int ?? 0) > 0)
        #expect((seen["inspector_foreign_dossier"] as? Int) == 404 && (seen["inspector_foreign_unit"] as? Int) == 404)
        #expect((seen["inspector_foreign_row"] as? Int) == 404 && (seen["inspector_foreign_proof"] as? Int) == 404)
        #expect(seen["due_soon_rows"] is Int && (seen["accountability_rows"] as? Int ?? 0) > 0)
        #expect((seen["scorecard_rows"] as? Int) == 2 && seen["cut_off_kept"] as? Bool == true, "\(seen["scorecard_rows"] ?? "")")
        #expect((seen["overview_months"] as? Int) == 12)
        // The dossier's proof bundle has every event of its history, each with its inclusion proof;
        // as of its first event, the history holds that event only.
        let bundle = seen["proof_bundle"] as? [String: Any] ?? [:]
        let (format, proofs, code) = (bundle["format"] as? String, bundle["proofs"] as? Bool, bundle["dossier"] as? String ?? "-")
        let (heading, events, rows) = (seen["dossier_heading"] as? String ?? "", bundle["events"] as? Int, seen["dossier_events"] as? Int)
        #expect(format == "dossierledger-proof-bundle/1" && proofs == true)
        #expect(heading.contains(code) && events == rows, "\(bundle)")
        let (asOfURL, asOfEvents) = (seen["as_of_url"] as? String ?? "", seen["as_of_events"] as? Int)
        #expect(asOfURL.contains("?at=") && asOfEvents == 1, "\(asOfURL)")
        #expect(seen["xlsx_has_page_codes"] as? Bool == true)
        #expect(seen["sorted_ascending"] as? Bool == true && seen["sorted_descending"] as? Bool == true && seen["sorted_csv_matches_page"] as? Bool == true)
        // A count of the accountability table lists as many dossiers, each a link to its history.
        #expect((seen["accountability_count_links"] as? Int ?? 0) > 0 && seen["count_rows_match"] as? Bool == true, "\(seen["count_url"] ?? "")")
        #expect((seen["count_url"] as? String)?.contains("/dashboard/accountability/dossiers?by=officer&row=") == true)
        #expect((seen["count_to_dossier"] as? String)?.contains("/dashboard/dossiers/") == true)
        for page in ["overview", "unit", "late", "dossier", "due-soon", "accountability", "accountability-dossiers", "scorecard", "inspector-overview"] {
            #expect(FileManager.default.fileExists(atPath: "\(shots)/\(page).png"), "screenshot of \(page)")
        }
    }

    @Test("without a session every page sends to the sign-in form; a wrong token is refused; a form from another origin is refused; sign-out needs the session's CSRF token")
    func signIn() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path, pages: Dashboard())
        defer { Task { await service.stop() } }
        for path in ["/dashboard", "/dashboard/late", "/dashboard/due-soon", "/dashboard/accountability", "/dashboard/dossiers/x", "/dashboard/units/H19"] {
            let answer = try await service.request("GET", path, redirects: false)
            #expect(answer.status == 303 && answer.headers["location"] == "/dashboard/sign-in", "\(path): \(answer.status)")
        }
        #expect(try await service.request("GET", "/dashboard/late.csv", redirects: false).status == 401)
        #expect(try await service.request("GET", "/dashboard/due-soon.csv", redirects: false).status == 401)
        #expect(try await service.request("GET", "/dashboard/late.xlsx", redirects: false).status == 401)
        let form = ["Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.1:\(service.port)"]
        #expect(try await service.request("POST", "/dashboard/sign-in", body: "token=dlt_wrong", headers: form, redirects: false).status == 401)
        let crossSite = try await service.request("POST", "/dashboard/sign-in", body: "token=\(service.tokens["auditor"]!)",
                                                  headers: form.merging(["Origin": "https://evil.example"]) { $1 }, redirects: false)
        #expect(crossSite.status == 403 && crossSite.headers["set-cookie"] == nil)
        let signedIn = try await service.request("POST", "/dashboard/sign-in", body: "token=\(service.tokens["auditor"]!)", headers: form, redirects: false)
        let cookie = try #require(signedIn.headers["set-cookie"])
        #expect(signedIn.status == 303 && cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"), "\(cookie)")
        let session = String(cookie.prefix { $0 != ";" })
        #expect(try await service.request("GET", "/dashboard", headers: ["Cookie": session], redirects: false).status == 200)
        #expect(try await service.request("POST", "/dashboard/sign-out", body: "csrf=forged", headers: form.merging(["Cookie": session]) { $1 }, redirects: false).status == 403)
        // A desk's token signs in, but the dashboard is the inspectors' and auditors'.
        let desk = try await service.request("POST", "/dashboard/sign-in", body: "token=\(service.tokens["desk"]!)", headers: form, redirects: false)
        let deskSession = String(try #require(desk.headers["set-cookie"]).prefix { $0 != ";" })
        #expect(try await service.request("GET", "/dashboard", headers: ["Cookie": deskSession], redirects: false).status == 403)
    }
}

/// Playwright's Python (in .build/browser) and Chromium, when both are here.
enum Browser {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python: String? = {
        let path = root.appendingPathComponent(".build/browser/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") ? path : nil
    }()
    /// Where the test run writes its screenshots (1366×768).
    static let screenshots = root.appendingPathComponent(".build/screenshots").path

    /// Runs the check script with `arguments` on a thread of its own (the server runs on the pool); its output.
    static func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { done in
            Thread.detachNewThread {
                done.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: python!)
                    process.arguments = [root.appendingPathComponent("tools/browser/dashboard_check.py").path] + arguments
                    let (out, err) = (Pipe(), Pipe())
                    (process.standardOutput, process.standardError) = (out, err)
                    try process.run()
                    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    guard process.terminationStatus == 0 else { return String(decoding: try JSONSerialization.data(withJSONObject: ["failed": errors]), as: UTF8.self) }
                    return text
                })
            }
        }
    }
}
