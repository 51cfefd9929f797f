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

    /// Cards of a unit's subtree for a period (each with its change against the period before),
    /// its child units by on-time rate (worst first), and its late dossiers.
    private func unitPage(_ unit: String, _ inspector: Inspector, _ request: Request, heading: String) async throws -> (title: String, html: String) {
        let late = try await inspector.lateList(filter: LateFilter(unit: unit))
        let choice = try PeriodChoice(request, around: late.reportInstant), period = choice.period
        let rates = try await inspector.onTimeRates(period: period, by: .competentUnit)
        var before: Report<RateRow>?
        if let earlier = try choice.previous() { before = try await inspector.onTimeRates(period: earlier.period, by: .competentUnit) }
        let online = try await inspector.onlineRates(period: period).rows.first { $0.group == unit }
        let satisfaction = try await inspector.satisfaction(period: period).rows.first { $0.group == unit }
        let dueSoon = try await inspector.dueSoonList(filter: LateFilter(unit: unit))
        let row = rates.rows.first { $0.group == unit }, earlier = before?.rows.first { $0.group == unit }
        let name = row?.name.map { " · " + HTML.escape($0) } ?? ""
        var out = "<h1>\(heading)\(name)</h1>" + choice.form(action: request.uri.path)
        out += "<div class=\"cards\">"
        out += card(HTML.both("Tỷ lệ đúng hạn", "On-time rate"), HTML.vi.text(.percent(row?.onTimeRate)), change(row?.onTimeRate, earlier?.onTimeRate, unit: " pp"),
                    link: "/dashboard/late" + HTML.query([("unit", unit)]))
        out += card(HTML.both("Điểm 766 (2.1)", "766 score"), HTML.vi.text(.points(row?.score766)), change(row?.score766, earlier?.score766, unit: ""), link: nil)
        out += card(HTML.both("Tỷ lệ trực tuyến", "Online rate"), HTML.vi.text(.percent(online?.onlineRate)), "", link: nil)
        out += card(HTML.both("Đang quá hạn", "Overdue now"), HTML.vi.grouped(late.rows.count), "", link: "/dashboard/late" + HTML.query([("unit", unit)]))
        out += card(HTML.both("Sắp đến hạn", "Due soon"), HTML.vi.grouped(dueSoon.rows.count), "", link: "/dashboard/due-soon" + HTML.query([("unit", unit)]))
        out += card(HTML.both("Phản ánh, kiến nghị", "Complaints"), HTML.vi.grouped(satisfaction?.complaints ?? 0), "", link: nil)
        out += "</div>"
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
        var shown = late
        shown.rows = Array(late.rows.prefix(10))
        out += "<h2>\(HTML.both("Hồ sơ quá hạn", "Overdue dossiers")) (\(HTML.vi.grouped(late.rows.count)))</h2>"
        out += Self.table(.late, shown) + "<p><a href=\"/dashboard/late\(HTML.query([("unit", unit)]))\">\(HTML.both("Xem tất cả", "See all"))</a></p>"
        out += HTML.provenance(rates.provenance, at: late.reportInstant)
        return ("\(unit) \(period.label)", out)
    }

    private func card(_ label: String, _ value: String, _ change: String, link: String?) -> String {
        let shown = link.map { "<a href=\"\(HTML.escape($0))\">\(HTML.escape(value))</a>" } ?? HTML.escape(value)
        return "<div class=\"card\"><div>\(label)</div><div class=\"v\">\(shown)</div><div class=\"d\">\(change)</div></div>"
    }

    private func change(_ now: Double?, _ before: Double?, unit: String) -> String {
        guard let now, let before else { return "" }
        let delta = now - before
        return HTML.both("so với kỳ trước", "vs previous period") + ": " + (delta >= 0 ? "+" : "−") + HTML.vi.decimal(abs(delta), places: 2) + unit
    }
}
