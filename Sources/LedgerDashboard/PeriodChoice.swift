import DossierDomain
import DossierLog
import Hummingbird

/// The period a periodic page shows: a month, quarter or year (`period`), cut on the 15th when
/// `cut_off_15th` says so, else the quarter of the views' instant (the latest event).
struct PeriodChoice: Sendable {
    let text: String
    let cutOff15th: Bool
    let period: Period

    init(_ text: String, cutOff15th: Bool) throws {
        (self.text, self.cutOff15th) = (text, cutOff15th)
        do { period = try Period.parse(text, cutOff15th: cutOff15th) } catch { throw PageNotFound(what: "\(error)") }
    }

    init(_ request: Request, around instant: Instant?) throws {
        let query = request.uri.queryParameters
        let cut = query["cut_off_15th"] == "true"
        if let text = query["period"], !text.isEmpty {
            try self.init(String(text), cutOff15th: cut)
        } else {
            let date = (instant ?? TimeGuard.wallClock()).localDate
            try self.init("\(date.year)-Q\((date.components.month - 1) / 3 + 1)", cutOff15th: cut)
        }
    }

    /// The period before, of the same kind and cut (nil for a range of dates).
    func previous() throws -> PeriodChoice? {
        let parts = text.split(separator: "-")
        guard let year = Int(parts.first ?? "") else { return nil }
        let before: String? = if parts.count == 1 { "\(year - 1)" }
            else if parts.count == 2, parts[1].hasPrefix("Q"), let q = Int(parts[1].dropFirst()) { q == 1 ? "\(year - 1)-Q4" : "\(year)-Q\(q - 1)" }
            else if parts.count == 2, let month = Int(parts[1]) { month == 1 ? "\(year - 1)-12" : "\(year)-" + (month - 1 < 10 ? "0" : "") + "\(month - 1)" }
            else { nil }
        return try before.map { try PeriodChoice($0, cutOff15th: cutOff15th) }
    }

    /// The query parameters that ask for this period again.
    var query: [(String, String?)] { [("period", text), ("cut_off_15th", cutOff15th ? "true" : nil)] }

    /// The picker: the period's text and the 15th cut-off (`keeping` the page's other parameters).
    func form(action: String, keeping: [(String, String?)] = []) -> String {
        let hidden = keeping.compactMap { name, value in value.map { "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape($0))\">" } }.joined()
        return """
        <form class="period" method="get" action="\(HTML.escape(action))">\(hidden)<label for="period">\(HTML.both("Kỳ (tháng, quý, năm)", "Period (month, quarter, year)"))
        <input id="period" name="period" value="\(HTML.escape(text))" pattern="[0-9]{4}(-Q[1-4]|-[0-9]{2})?" size="10"></label>
        <label class="check"><span><input type="checkbox" name="cut_off_15th" value="true"\(cutOff15th ? " checked" : "")> \(HTML.both("Chốt số liệu ngày 15", "Cut on the 15th"))</span></label>
        <button type="submit">\(HTML.both("Xem", "Show"))</button></form>
        """
    }
}
