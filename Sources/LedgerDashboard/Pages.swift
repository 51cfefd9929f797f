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
        let period = try period(request, around: late.reportInstant)
        let rates = try await inspector.onTimeRates(period: period, by: .competentUnit)
        var before: Report<RateRow>?
        if let earlier = try previous(period) { before = try await inspector.onTimeRates(period: earlier, by: .competentUnit) }
        let online = try await inspector.onlineRates(period: period).rows.first { $0.group == unit }
        let satisfaction = try await inspector.satisfaction(period: period).rows.first { $0.group == unit }
        let dueSoon = try await inspector.dueSoonList(filter: LateFilter(unit: unit))
        let row = rates.rows.first { $0.group == unit }, earlier = before?.rows.first { $0.group == unit }
        let name = row?.name.map { " · " + HTML.escape($0) } ?? ""
        var out = "<h1>\(heading)\(name)</h1>" + periodForm(period, action: request.uri.path)
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
            out += Chart.bars(children.map { ($0.group + ($0.name.map { " " + $0 } ?? ""), $0.onTimeRate, "/dashboard/units/\(HTML.percentEncoded($0.group))" + HTML.query([("period", period.label)])) },
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

    // MARK: Periods

    /// The `period` asked for, else the quarter of the views' instant (the latest event).
    func period(_ request: Request, around instant: Instant?) throws -> Period {
        if let text = request.uri.queryParameters["period"], !text.isEmpty {
            do { return try Period.parse(String(text)) } catch { throw PageNotFound(what: "\(error)") }
        }
        let date = (instant ?? TimeGuard.wallClock()).localDate
        return try Period.parse("\(date.year)-Q\((date.components.month - 1) / 3 + 1)")
    }

    /// The period before a month, quarter or year (nil for a range of dates).
    private func previous(_ period: Period) throws -> Period? {
        let parts = period.label.split(separator: "-")
        guard let year = Int(parts.first ?? "") else { return nil }
        if parts.count == 1 { return try Period.parse("\(year - 1)") }
        if parts[1].hasPrefix("Q"), let q = Int(parts[1].dropFirst()) { return try Period.parse(q == 1 ? "\(year - 1)-Q4" : "\(year)-Q\(q - 1)") }
        if let month = Int(parts[1]), parts.count == 2 { return try Period.parse(month == 1 ? "\(year - 1)-12" : String(format: "%d-%02d", year, month - 1)) }
        return nil
    }

    func periodForm(_ period: Period, action: String) -> String {
        """
        <form class="period" method="get" action="\(HTML.escape(action))"><label for="period">\(HTML.both("Kỳ", "Period"))
        <input id="period" name="period" value="\(HTML.escape(period.label))" pattern="[0-9]{4}(-Q[1-4]|-[0-9]{2})?" size="10"></label>
        <button type="submit">\(HTML.both("Xem", "Show"))</button></form>
        """
    }
}
