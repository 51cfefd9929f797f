import DossierDomain
import DossierLog
import Foundation
import Hummingbird
import LedgerService
import Projections
import ReportFormats
import Views

/// The pages, each from the same views as the command line and the API.
struct Pages: Sendable {
    let service: LedgerService
    /// Rows of a list page.
    static let pageSize = 50

    static func signInForm(error: String?) -> String {
        let problem = switch error {
        case "token"?: "<p class=\"bad\" role=\"alert\">\(HTML.both("Mã truy cập không hợp lệ, đã thu hồi hoặc hết hạn.", "The token is unknown, revoked or expired."))</p>"
        case "cross-site"?: "<p class=\"bad\" role=\"alert\">\(HTML.both("Biểu mẫu phải gửi từ chính trang này.", "The form must be sent from this site."))</p>"
        default: ""
        }
        return """
        <h1>\(HTML.both("Đăng nhập", "Sign in"))</h1>\(problem)
        <form method="post" action="/dashboard/sign-in"><label for="token">\(HTML.both("Mã truy cập", "Token"))
        <input id="token" name="token" type="password" autocomplete="off" required size="72"></label>
        <p><button type="submit">\(HTML.both("Đăng nhập", "Sign in"))</button></p></form>
        """
    }

    // MARK: Overview and unit

    func overview(_ request: Request, _ user: User) async throws -> (title: String, html: String) {
        try await unitPage(user.grant.unit, try await Inspector.open(service.engine), request, heading: HTML.both("Tổng quan", "Overview"))
    }

    func unit(_ code: String, _ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let inspector = try await Inspector.open(service.engine)
        guard inspector.rules.catalog.units[code] != nil, user.covers(code, inspector.rules.catalog) else { throw PageNotFound(what: "unit \(code)") }
        return try await unitPage(code, inspector, request, heading: HTML.both("Đơn vị", "Unit") + " " + HTML.escape(code))
    }

    /// Cards of a unit's subtree for a period, each with its change against the period before
    /// (dossiers overdue and due soon now: against the end of the period before, while the
    /// period is in progress), the on-time rate of the last 12 months, its child units by on-time
    /// rate (worst first), its officers with the most faults, its late and due-soon dossiers.
    /// Complaints and home-support visits are counted where they happened, as accountability
    /// counts them.
    private func unitPage(_ unit: String, _ inspector: Inspector, _ request: Request, heading: String) async throws -> (title: String, html: String) {
        let late = try await inspector.lateList(filter: LateFilter(unit: unit))
        let choice = try PeriodChoice(request, around: late.reportInstant), period = choice.period
        let rates = try await inspector.onTimeRates(period: period, by: .competentUnit)
        let online = try await inspector.onlineRates(period: period).rows.first { $0.group == unit }
        // By unit (its cards) and by officer (its table), each dossier judged once for both.
        let accountability = try await inspector.accountability(period: period, by: [.unit, .officer], unit: unit, listingDossiers: false)
        let subtree = Self.sum(accountability[0])
        var earlier: (rates: RateRow?, online: OnlineRow?, counts: AccountabilityCounts)?
        if let previous = try choice.previous()?.period {
            earlier = (try await inspector.onTimeRates(period: previous, by: .competentUnit).rows.first { $0.group == unit },
                       try await inspector.onlineRates(period: previous).rows.first { $0.group == unit },
                       Self.sum(try await inspector.accountability(period: previous, by: .unit, unit: unit, listingDossiers: false)))
        }
        let dueSoon = try await inspector.dueSoonList(filter: LateFilter(unit: unit))
        let row = rates.rows.first { $0.group == unit }
        // Now against the end of the period before: only while the period shown is in progress.
        let inProgress = late.reportInstant.map { period.contains($0) } ?? false
        let endBefore = inProgress ? earlier?.rates : nil
        let name = row?.name.map { " · " + HTML.escape($0) } ?? ""
        var out = "<h1>\(heading)\(name)</h1>" + choice.form(action: request.uri.path)
        out += "<div class=\"cards\">"
        out += card(HTML.both("Tỷ lệ đúng hạn", "On-time rate"), HTML.vi.text(.percent(row?.onTimeRate)),
                    change(row?.onTimeRate, earlier?.rates?.onTimeRate, unit: " pp"), link: "/dashboard/late" + HTML.query([("unit", unit)]))
        out += card(HTML.both("Điểm 766 (2.1)", "766 score"), HTML.vi.text(.points(row?.score766)), change(row?.score766, earlier?.rates?.score766, unit: ""), link: nil)
        out += card(HTML.both("Tỷ lệ trực tuyến", "Online rate"), HTML.vi.text(.percent(online?.onlineRate)),
                    change(online?.onlineRate, earlier?.online?.onlineRate, unit: " pp"), link: nil)
        out += card(HTML.both("Đang quá hạn", "Overdue now"), HTML.vi.grouped(late.rows.count), change(late.rows.count, endBefore?.openOverdue, atEnd: true),
                    link: "/dashboard/late" + HTML.query([("unit", unit)]))
        out += card(HTML.both("Sắp đến hạn", "Due soon"), HTML.vi.grouped(dueSoon.rows.count), change(dueSoon.rows.count, endBefore?.dueSoon, atEnd: true),
                    link: "/dashboard/due-soon" + HTML.query([("unit", unit)]))
        let byUnitLink = "/dashboard/accountability" + HTML.query([("by", "unit")] + choice.query)
        out += card(HTML.both("Phản ánh, kiến nghị", "Complaints"), HTML.vi.grouped(subtree.complaints), change(subtree.complaints, earlier?.counts.complaints),
                    link: byUnitLink)
        out += card(HTML.both("Hỗ trợ tại nhà", "Home-support visits"), HTML.vi.grouped(subtree.homeVisits), change(subtree.homeVisits, earlier?.counts.homeVisits),
                    link: byUnitLink)
        out += "</div>"
        out += try await monthlyChart(unit, inspector, around: late.reportInstant, path: request.uri.path)
        let children = rates.rows.filter { $0.place.parent == unit }.sorted { ($0.onTimeRate ?? 101) < ($1.onTimeRate ?? 101) }
        if !children.isEmpty {
            out += "<h2>\(HTML.both("Đơn vị theo tỷ lệ đúng hạn, thấp nhất trước", "Units by on-time rate, worst first"))</h2>"
            out += Chart.bars(children.map { ($0.group + ($0.name.map { " " + $0 } ?? ""), $0.onTimeRate, "/dashboard/units/\(HTML.percentEncoded($0.group))" + HTML.query(choice.query)) },
                              title: "On-time rate by unit, \(period.label)")
            var table = rates
            table.rows = children
            out += HTML.table(table, fields: ["group", "name", "population", "early", "on_time", "late", "open_overdue", "on_time_rate", "score_766"],
                              caption: HTML.both("Số liệu của biểu đồ", "The chart's figures")) { field, row in
                field == "group" ? "/dashboard/units/\(HTML.percentEncoded(row.group))" : nil
            }
        }
        var officers = accountability[1]
        officers.rows = Array(officers.rows.prefix(10))
        out += "<h2>\(HTML.both("Cán bộ nhiều lỗi nhất trong kỳ", "Officers with the most faults in the period"))</h2>"
        out += HTML.table(officers, fields: ["officer", "name", "steps_held", "steps_late", "steps_open_late", "deadlines_missed", "complaints", "home_visits"],
                          caption: HTML.both("Trách nhiệm, 10 dòng đầu", "Accountability, first 10 rows")) { field, row in
            guard let officer = row.officer, field == "officer" || Self.accountabilityCounts.contains(field) else { return nil }
            return "/dashboard/accountability/dossiers" + HTML.query([("row", officer), ("count", field == "officer" ? nil : field)] + choice.query)
        }
        var soon = dueSoon
        soon.rows = Array(dueSoon.rows.prefix(10))
        out += "<h2>\(HTML.both("Hồ sơ sắp đến hạn", "Dossiers due soon")) (\(HTML.vi.grouped(dueSoon.rows.count)))</h2>"
        out += Self.table(.dueSoon, soon) + "<p><a href=\"/dashboard/due-soon\(HTML.query([("unit", unit)]))\">\(HTML.both("Xem tất cả", "See all"))</a></p>"
        var shown = late
        shown.rows = Array(late.rows.prefix(10))
        out += "<h2>\(HTML.both("Hồ sơ quá hạn", "Overdue dossiers")) (\(HTML.vi.grouped(late.rows.count)))</h2>"
        out += Self.table(.late, shown) + "<p><a href=\"/dashboard/late\(HTML.query([("unit", unit)]))\">\(HTML.both("Xem tất cả", "See all"))</a></p>"
        out += HTML.provenance(rates.provenance, at: late.reportInstant)
        return ("\(unit) \(period.label)", out)
    }

    /// The on-time rate of the unit's subtree in each of the 12 months up to the views' instant,
    /// each bar a link to that month, with its figures as a table.
    private func monthlyChart(_ unit: String, _ inspector: Inspector, around instant: Instant?, path: String) async throws -> String {
        let (year, month, _) = (instant ?? TimeGuard.wallClock()).localDate.components
        var months: [(label: String, rate: Double?, population: Int, link: String)] = []
        for back in (0..<12).reversed() {
            let index = year * 12 + month - 1 - back
            let text = "\(index / 12)-" + (index % 12 + 1 < 10 ? "0" : "") + "\(index % 12 + 1)"
            let row = try await inspector.onTimeRates(period: try Period.parse(text), by: .competentUnit).rows.first { $0.group == unit }
            months.append(("\(index % 12 + 1)/\(index / 12)", row?.onTimeRate, row?.population ?? 0, path + HTML.query([("period", text)])))
        }
        var out = "<h2>\(HTML.both("Tỷ lệ đúng hạn 12 tháng qua", "On-time rate over the last 12 months"))</h2>"
        out += Chart.columns(months.map { ($0.label, $0.rate, $0.link) }, title: "On-time rate by month, last 12 months")
        out += "<details><summary>\(HTML.both("Số liệu của biểu đồ", "The chart's figures"))</summary><div class=\"scroll\"><table><thead><tr>"
        out += "<th scope=\"col\">\(HTML.both("Tháng", "Month"))</th><th scope=\"col\">\(HTML.both("Số hồ sơ", "Dossiers"))</th><th scope=\"col\">\(HTML.both("Tỷ lệ đúng hạn", "On-time rate"))</th></tr></thead><tbody>"
        for month in months {
            out += "<tr><td><a href=\"\(HTML.escape(month.link))\">\(month.label)</a></td><td class=\"n\">\(HTML.vi.grouped(month.population))</td><td class=\"n\">\(HTML.escape(HTML.vi.text(.percent(month.rate))))</td></tr>"
        }
        return out + "</tbody></table></div></details>"
    }

    private func card(_ label: String, _ value: String, _ change: String, link: String?) -> String {
        let shown = link.map { "<a href=\"\(HTML.escape($0))\">\(HTML.escape(value))</a>" } ?? HTML.escape(value)
        return "<div class=\"card\"><div>\(label)</div><div class=\"v\">\(shown)</div><div class=\"d\">\(change)</div></div>"
    }

    /// A count's change: against the period before, or (`atEnd`) against that period's end.
    private func change(_ now: Int, _ before: Int?, atEnd: Bool = false) -> String {
        guard let before else { return "" }
        let delta = now - before
        let against = atEnd ? HTML.both("so với cuối kỳ trước", "vs the end of the previous period") : HTML.both("so với kỳ trước", "vs previous period")
        return against + ": " + (delta >= 0 ? "+" : "−") + HTML.vi.grouped(abs(delta)) + " (\(HTML.vi.grouped(before)))"
    }

    /// A report's counts summed (a unit's subtree: its rows).
    private static func sum(_ report: Report<AccountabilityRow>) -> AccountabilityCounts {
        report.rows.map(\.counts).reduce(AccountabilityCounts(), +)
    }

    private func change(_ now: Double?, _ before: Double?, unit: String) -> String {
        guard let now, let before else { return "" }
        let delta = now - before
        return HTML.both("so với kỳ trước", "vs previous period") + ": " + (delta >= 0 ? "+" : "−") + HTML.vi.decimal(abs(delta), places: 2) + unit
    }
}
