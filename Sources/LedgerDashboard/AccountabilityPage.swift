import DossierDomain
import Hummingbird
import LedgerService
import Projections
import ReportFormats
import Views

extension Pages {
    /// The counts of a row that link down to the dossiers behind them.
    static let accountabilityCounts = ["steps_held", "steps_finished", "steps_late", "steps_open_late", "deadlines_missed", "late_without_apology",
                                       "apology_too_late", "repeated_reschedule", "late_supplement_request", "complaints", "dissatisfied",
                                       "home_visits", "entries_voided"]

    /// Accountability for a period in the token's subtree, by officer (`by=unit`: by unit), with
    /// the reward list (`rewards=true`), from the counts the projection keeps: every count a link
    /// to the dossiers behind it, every unit to its page.
    func accountability(_ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let inspector = try await Inspector.open(service.engine)
        let query = request.uri.queryParameters
        let byUnit = query["by"] == "unit", rewards = query["rewards"] == "true"
        let choice = try PeriodChoice(request, around: try await inspector.dossiers.latestAt()), period = choice.period
        let unit = user.grant.unit
        let attribution: Attribution = byUnit ? .unit : .officer
        let report = try await inspector.accountability(period: period, by: attribution, unit: unit, rewards: rewards, listingDossiers: false)
        var out = "<h1>\(HTML.both("Trách nhiệm", "Accountability")) · \(HTML.escape(unit))\(rewards ? " · " + HTML.both("danh sách khen thưởng", "reward list") : "")</h1>"
        out += choice.form(action: request.uri.path)
        let views: [(String, [(String, String?)])] = [(HTML.both("Theo cán bộ", "By officer"), []), (HTML.both("Theo đơn vị", "By unit"), [("by", "unit")]),
                                                      (HTML.both("Danh sách khen thưởng", "Reward list"), [("rewards", "true")])]
        out += "<p>" + views.map { "<a href=\"/dashboard/accountability\(HTML.query($0.1 + choice.query))\">\($0.0)</a>" }.joined(separator: " · ") + "</p>"
        out += HTML.table(report, fields: ["officer", "unit", "name", "steps_held", "steps_finished", "steps_late", "overrun_hours", "steps_open_late",
                                           "deadlines_missed", "late_without_apology", "complaints", "entries_voided"],
                          caption: HTML.both("Trách nhiệm trong kỳ (mỗi số dẫn tới các hồ sơ của nó)", "Accountability in the period (every count links to its dossiers)")) { field, row in
            let key = row.officer ?? row.unit
            let behind = "/dashboard/accountability/dossiers" + HTML.query([("by", attribution.rawValue), ("row", key)] + choice.query)
            switch field {
            case "officer": return behind
            case "unit": return "/dashboard/units/\(HTML.percentEncoded(row.unit))"
            case _ where Self.accountabilityCounts.contains(field):
                return "/dashboard/accountability/dossiers" + HTML.query([("by", attribution.rawValue), ("row", key), ("count", field)] + choice.query)
            default: return nil
            }
        }
        out += HTML.provenance(report.provenance, at: report.reportInstant)
        return ("accountability \(unit) \(period.label)", out)
    }

    /// The dossiers behind one accountability row (`row`: an officer, or a unit with `by=unit`),
    /// each with what it counts for the row; with `count`, only those it counts for. A row of a
    /// unit outside the token's subtree is "not found".
    func accountabilityDossiers(_ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let inspector = try await Inspector.open(service.engine)
        let query = request.uri.queryParameters
        let attribution: Attribution = query["by"] == "unit" ? .unit : .officer
        guard let key = query["row"].map(String.init), !key.isEmpty else { throw PageNotFound(what: "an accountability row without `row`") }
        let count = query["count"].map(String.init)
        if let count, !Self.accountabilityCounts.contains(count) { throw PageNotFound(what: "count \(count)") }
        let choice = try PeriodChoice(request, around: try await inspector.dossiers.latestAt()), period = choice.period
        var report = try await inspector.accountabilityDossiers(period: period, by: attribution, row: key)
        let catalog = inspector.rules.catalog
        let unit = attribution == .unit ? key : catalog.officers[key]?.unit ?? report.rows.map(\.unit).min()
        guard let unit, user.covers(unit, catalog) else { throw PageNotFound(what: "\(attribution.rawValue) \(key)") }
        var total: Int?  // the count the link came from: the sum of the dossiers' shares
        if let count, let index = AccountabilityRow.fields.firstIndex(of: count) {
            func value(_ row: AccountabilityRow) -> Int { if case .integer(let n) = row.values[index] { n } else { 0 } }
            report.rows = report.rows.filter { value($0) > 0 }
            total = report.rows.map(value).reduce(0, +)
        }
        let name = report.rows.first?.name
        let label = count.map { " · " + HTML.both(HTML.vi.label($0), HTML.en.label($0)) } ?? ""
        var out = "<h1>\(HTML.both("Hồ sơ của", "Dossiers of")) \(HTML.escape(key))\(name.map { " · " + HTML.escape($0) } ?? "")\(label)</h1>"
        out += choice.form(action: request.uri.path, keeping: [("by", attribution.rawValue), ("row", key), ("count", count)])
        let parameters = [("by", attribution.rawValue), ("row", key), ("count", count)] + choice.query
        let (shown, page, pages) = paged(report, request)
        var sum = ""
        if let count, let total { sum = " · \(HTML.both(HTML.vi.label(count), HTML.en.label(count))): <span class=\"sum\">\(HTML.vi.grouped(total))</span>" }
        out += "<p>\(HTML.vi.grouped(report.rows.count)) \(HTML.both("hồ sơ", "dossiers"))\(sum) · <a href=\"/dashboard/accountability\(HTML.query((attribution == .unit ? [("by", "unit")] : []) + choice.query))\">\(HTML.both("Về bảng trách nhiệm", "Back to accountability"))</a></p>"
        out += HTML.table(shown, fields: ["dossiers", "steps_held", "steps_finished", "steps_late", "overrun_hours", "steps_open_late", "deadlines_missed",
                                           "late_without_apology", "apology_too_late", "repeated_reschedule", "late_supplement_request", "complaints",
                                           "dissatisfied", "home_visits", "entries_voided"],
                          caption: HTML.both("Phần của từng hồ sơ, nhiều lỗi nhất trước", "Each dossier's share, most faults first")) { field, row in
            field == "dossiers" ? row.dossiers.first.map { "/dashboard/dossiers/\(HTML.percentEncoded($0))" } : nil
        }
        out += Self.pager(request.uri.path, parameters, page: page, of: pages, rows: report.rows.count)
        out += HTML.provenance(report.provenance, at: report.reportInstant)
        return ("\(key) \(period.label)", out)
    }
}
