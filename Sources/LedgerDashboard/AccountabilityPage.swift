import DossierDomain
import Hummingbird
import LedgerService
import Projections
import ReportFormats
import Views

extension Pages {
    /// Accountability for a period in the token's subtree, by officer (`by=unit`: by unit), with
    /// the reward list (`rewards=true`): each officer and each count of steps still open and late
    /// a link to that officer's late dossiers, each unit to its page.
    func accountability(_ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let inspector = try await Inspector.open(service.engine)
        let query = request.uri.queryParameters
        let byUnit = query["by"] == "unit", rewards = query["rewards"] == "true"
        let choice = try PeriodChoice(request, around: try await inspector.dossiers.latestAt()), period = choice.period
        let unit = user.grant.unit
        let report = try await inspector.accountability(period: period, by: byUnit ? .unit : .officer, unit: unit, rewards: rewards)
        let officers = inspector.rules.catalog.officers  // a list filter names catalogued officers only
        var out = "<h1>\(HTML.both("Trách nhiệm", "Accountability")) · \(HTML.escape(unit))\(rewards ? " · " + HTML.both("danh sách khen thưởng", "reward list") : "")</h1>"
        out += choice.form(action: request.uri.path)
        let views: [(String, [(String, String?)])] = [(HTML.both("Theo cán bộ", "By officer"), []), (HTML.both("Theo đơn vị", "By unit"), [("by", "unit")]),
                                                      (HTML.both("Danh sách khen thưởng", "Reward list"), [("rewards", "true")])]
        out += "<p>" + views.map { "<a href=\"/dashboard/accountability\(HTML.query($0.1 + choice.query))\">\($0.0)</a>" }.joined(separator: " · ") + "</p>"
        out += HTML.table(report, fields: ["officer", "unit", "name", "steps_held", "steps_finished", "steps_late", "overrun_hours", "steps_open_late",
                                           "deadlines_missed", "late_without_apology", "complaints", "entries_voided", "dossiers"],
                          caption: HTML.both("Trách nhiệm trong kỳ", "Accountability in the period")) { field, row in
            switch field {
            case "officer", "steps_open_late":
                row.officer.flatMap { officers.isEmpty || officers[$0] != nil ? "/dashboard/late" + HTML.query([("unit", unit), ("officer", $0)]) : nil }
            case "unit": "/dashboard/units/\(HTML.percentEncoded(row.unit))"
            default: nil
            }
        }
        out += HTML.provenance(report.provenance, at: report.reportInstant)
        return ("accountability \(unit) \(period.label)", out)
    }
}
