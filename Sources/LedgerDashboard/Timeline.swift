import DossierDomain
import ReportFormats
import Views

extension Chart {
    /// A case history as a strip over time: a segment for each stretch between its effective
    /// events, labelled with the unit holding the dossier then, a supplement's wait drawn as a
    /// gap; the legal due and any rescheduled due as lines across it. Its data is the table below it.
    static func timeline(_ rows: [HistoryRow], end: Instant, due: Instant?, rescheduled: Instant?) -> String {
        let effective = rows.filter { $0.voidedBy == nil }
        guard let first = effective.first?.event.at else { return "" }
        let last = [end, due, rescheduled, effective.last?.event.at].compactMap { $0 }.max()!
        let (left, width, height) = (10.0, 940.0, 96.0)
        let span = Double(max(last.microseconds - first.microseconds, 1))
        func x(_ instant: Instant) -> Double { left + Double(instant.microseconds - first.microseconds) / span * (width - 2 * left) }
        var out = "<svg role=\"img\" aria-label=\"Timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" style=\"max-width:\(Int(width))px\">"
        out += "<title>\(HTML.escape("Diễn biến hồ sơ · Timeline"))</title>"
        let finished: Set<DossierStatus> = [.processed, .returned, .withdrawn, .stopped]
        for (index, row) in effective.enumerated() where !finished.contains(row.status) {
            let until = index + 1 < effective.count ? effective[index + 1].event.at : end
            let (from, to) = (x(row.event.at), max(x(until), x(row.event.at) + 2))
            if row.status == .supplement {  // waiting for the applicant: a gap, outlined
                out += "<rect x=\"\(Int(from))\" y=\"30\" width=\"\(Int(to - from))\" height=\"26\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"4 3\"></rect>"
            } else {
                let colour = index % 2 == 0 ? "#0b4f8a" : "#2f6f9f"
                out += "<rect x=\"\(Int(from))\" y=\"30\" width=\"\(Int(to - from))\" height=\"26\" fill=\"\(colour)\"><title>\(HTML.escape(row.holder?.holderUnit ?? row.event.unit))</title></rect>"
                if to - from > 70 {
                    out += "<text x=\"\(Int(from) + 4)\" y=\"48\" font-size=\"12\" fill=\"#fff\">\(HTML.escape(String((row.holder?.holderUnit ?? row.event.unit).prefix(Int((to - from) / 7)))))</text>"
                }
            }
        }
        for (instant, label, colour) in [(due, "Hạn · due", "#8a1c1c"), (rescheduled, "Hạn mới · rescheduled", "#8a5a00")] {
            guard let instant else { continue }
            let at = Int(x(instant))
            out += "<line x1=\"\(at)\" y1=\"20\" x2=\"\(at)\" y2=\"66\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"></line>"
            out += "<text x=\"\(min(at, Int(width) - 150))\" y=\"\(colour == "#8a1c1c" ? 14 : 80)\" font-size=\"12\" fill=\"\(colour)\">\(HTML.escape(label))</text>"
        }
        out += "<text x=\"\(Int(left))\" y=\"92\" font-size=\"11\" fill=\"#333\">\(HTML.escape(HTML.vi.text(.instant(first))))</text>"
        out += "<text x=\"\(Int(width - left))\" y=\"92\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\">\(HTML.escape(HTML.vi.text(.instant(last))))</text>"
        return out + "</svg>"
    }
}
