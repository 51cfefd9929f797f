import ReportFormats
import Views

/// The frame of every page: navigation, the sign-out form (with the session's CSRF token), the
/// content, and a stylesheet for screens and for print (a printed page keeps its checkpoint).
enum Layout {
    static func page(title: String, user: String?, csrf: String?, body: String) -> String {
        var nav = ""
        if let csrf {
            nav = """
            <nav aria-label="Menu"><a href="/dashboard">\(HTML.both("Tổng quan", "Overview"))</a>
            <a href="/dashboard/late">\(HTML.both("Hồ sơ trễ hạn", "Late dossiers"))</a>
            <a href="/dashboard/due-soon">\(HTML.both("Sắp đến hạn", "Due soon"))</a>
            <a href="/dashboard/accountability">\(HTML.both("Trách nhiệm", "Accountability"))</a>
            <a href="/dashboard/scorecard">\(HTML.both("Chỉ tiêu", "Scorecard"))</a>
            <span class="who">\(HTML.escape(user ?? ""))</span>
            <form method="post" action="/dashboard/sign-out"><input type="hidden" name="csrf" value="\(HTML.escape(csrf))">
            <button type="submit">\(HTML.both("Đăng xuất", "Sign out"))</button></form></nav>
            """
        }
        return """
        <!doctype html>
        <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · DossierLedger</title><link rel="icon" href="data:,"><style>\(style)</style></head>
        <body><header><p class="brand">DossierLedger · Sổ hồ sơ một cửa</p>\(nav)</header>
        <main>\(body)</main></body></html>
        """
    }

    /// Colours chosen for WCAG AA contrast on white (text at least 4.5:1).
    static let style = """
    body{font-family:system-ui,"Noto Sans",sans-serif;margin:0;color:#1a1a1a;background:#fff}
    header{background:#0b3d62;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
    header a,header .who{color:#fff}.brand{margin:0;font-weight:600}nav{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
    nav form{margin:0}button{font:inherit;padding:.3rem .8rem}
    main{padding:1rem;max-width:1280px}h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.2rem 0 .4rem}
    .en{color:#555;font-size:.85em}header .en{color:#dde}header button .en{color:#444}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:.8rem}
    .card{border:1px solid #c8c8c8;border-radius:6px;padding:.6rem .8rem}.card .v{font-size:1.6rem;font-weight:600}
    .card .d{font-size:.85rem;color:#444}.card a{color:#0b3d62}
    table{border-collapse:collapse;font-size:.9rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
    td.n{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:.3rem 0}
    .scroll{overflow-x:auto}a{color:#0b4f8a}a:focus,button:focus{outline:3px solid #f2a900;outline-offset:2px}
    del{color:#8a1c1c}.ok{color:#17612a;font-weight:600}.bad{color:#8a1c1c;font-weight:600}
    .checkpoint{font-size:.8rem;color:#444;margin-top:1.5rem}form.period{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}
    label{display:flex;flex-direction:column;font-size:.85rem}label.check{justify-content:end}
    @media print{header nav,form.period,.download{display:none}header{background:none;color:#000}body{font-size:10pt}a{color:#000;text-decoration:none}}
    """
}

/// Charts drawn on the server as SVG, each with its data as a table beside it.
enum Chart {
    /// Horizontal bars of a percentage (0–100) per item, in the order given, each bar a link.
    static func bars(_ items: [(label: String, value: Double?, link: String)], title: String) -> String {
        let (rowHeight, labelWidth, barWidth) = (22, 340, 520)
        let height = max(1, items.count) * rowHeight + 24
        var out = "<svg class=\"bars\" role=\"img\" aria-label=\"\(HTML.escape(title))\" viewBox=\"0 0 \(labelWidth + barWidth + 70) \(height)\" width=\"100%\" style=\"max-width:\(labelWidth + barWidth + 70)px\">"
        out += "<title>\(HTML.escape(title))</title>"
        for (index, item) in items.enumerated() {
            let y = index * rowHeight + 4
            let width = Int(((item.value ?? 0) / 100 * Double(barWidth)).rounded())
            let colour = (item.value ?? 0) >= 95 ? "#17612a" : (item.value ?? 0) >= 80 ? "#8a5a00" : "#8a1c1c"
            out += "<a href=\"\(HTML.escape(item.link))\"><text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" font-size=\"13\" fill=\"#1a1a1a\">\(HTML.escape(String(item.label.prefix(40))))</text>"
            out += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(max(width, 1))\" height=\"\(rowHeight - 6)\" fill=\"\(colour)\"></rect>"
            out += "<text x=\"\(labelWidth + max(width, 1) + 6)\" y=\"\(y + 15)\" font-size=\"13\" fill=\"#1a1a1a\">\(HTML.vi.text(.percent(item.value)))</text></a>"
        }
        return out + "</svg>"
    }
}

extension Chart {
    /// Vertical columns of a percentage (0–100) per item, left to right, each a link, with the
    /// value above and the label below.
    static func columns(_ items: [(label: String, value: Double?, link: String)], title: String) -> String {
        let (columnWidth, plotHeight, top, bottom) = (64, 180, 20, 24)
        let width = max(1, items.count) * columnWidth + 40
        var out = "<svg class=\"months\" role=\"img\" aria-label=\"\(HTML.escape(title))\" viewBox=\"0 0 \(width) \(plotHeight + top + bottom)\" width=\"100%\" style=\"max-width:\(width)px\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<line x1=\"30\" y1=\"\(top + plotHeight)\" x2=\"\(width)\" y2=\"\(top + plotHeight)\" stroke=\"#767676\"></line>"
        for (index, item) in items.enumerated() {
            let x = 36 + index * columnWidth
            let height = Int(((item.value ?? 0) / 100 * Double(plotHeight)).rounded())
            let colour = (item.value ?? 0) >= 95 ? "#17612a" : (item.value ?? 0) >= 80 ? "#8a5a00" : "#8a1c1c"
            out += "<a href=\"\(HTML.escape(item.link))\"><rect x=\"\(x)\" y=\"\(top + plotHeight - max(height, 1))\" width=\"\(columnWidth - 14)\" height=\"\(max(height, 1))\" fill=\"\(colour)\"></rect>"
            out += "<text x=\"\(x + (columnWidth - 14) / 2)\" y=\"\(top + plotHeight - max(height, 1) - 4)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1a1a\">\(HTML.escape(item.value.map { HTML.vi.decimal($0, places: 1) } ?? "–"))</text>"
            out += "<text x=\"\(x + (columnWidth - 14) / 2)\" y=\"\(top + plotHeight + 16)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1a1a\">\(HTML.escape(item.label))</text></a>"
        }
        return out + "</svg>"
    }
}
