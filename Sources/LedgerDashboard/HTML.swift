import DossierDomain
import EventLog
import Projections
import ReportFormats
import Views

/// Pieces of HTML, escaped where text goes in. Pages are Vietnamese first, with English beside.
enum HTML {
    /// Cells, numbers, dates and labels the Vietnamese way (`98,50%`, `1.234`), and in English.
    static let vi = Renderer(format: .table, language: .vi), en = Renderer(format: .table, language: .en)

    /// Text as HTML (`&`, `<`, `>`, `"`, `'` escaped).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A label in Vietnamese with its English beside it (marked as English for screen readers).
    static func both(_ vi: String, _ en: String) -> String {
        "\(escape(vi)) <span class=\"en\" lang=\"en\">\(escape(en))</span>"
    }

    /// A query string of `parameters` (those with a value), for links.
    static func query(_ parameters: [(String, String?)]) -> String {
        let pairs = parameters.compactMap { name, value in value.map { "\(name)=\(percentEncoded($0))" } }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }

    /// How a table's headers sort it: the field it is sorted by, and the link of each header.
    struct Sorting {
        let current: (field: String, descending: Bool)?
        /// The page sorted by a field, ascending or not.
        let link: (String, Bool) -> String
    }

    /// A table of a report's rows (the fields named, in order), headed in both languages, with
    /// `link` making a cell a link (by field name and row); with `sorting`, each header a link
    /// that sorts by its column (again: the other way), the sorted one marked for screen readers.
    static func table<Row: ReportRow>(_ report: Report<Row>, fields: [String], caption: String, sorting: Sorting? = nil,
                                      link: (String, Row) -> String? = { _, _ in nil }) -> String {
        let indexes = fields.compactMap { Row.fields.firstIndex(of: $0) }
        var out = "<div class=\"scroll\"><table><caption>\(caption)</caption><thead><tr>"
        for index in indexes {
            let field = Row.fields[index]
            let label = both(vi.label(field), en.label(field))
            guard let sorting else {
                out += "<th scope=\"col\">\(label)</th>"
                continue
            }
            let sorted = sorting.current?.field == field ? sorting.current : nil
            let aria = sorted.map { " aria-sort=\"\($0.descending ? "descending" : "ascending")\"" } ?? ""
            let arrow = sorted.map { $0.descending ? " ▼" : " ▲" } ?? ""
            out += "<th scope=\"col\"\(aria)><a href=\"\(escape(sorting.link(field, sorted.map { !$0.descending } ?? false)))\">\(label)\(arrow)</a></th>"
        }
        out += "</tr></thead><tbody>"
        for row in report.rows {
            let values = row.values
            out += "<tr>"
            for index in indexes {
                let text = escape(vi.text(values[index]))
                let numeric = if case .integer = values[index] { true } else if case .percent = values[index] { true } else if case .hours = values[index] { true } else { false }
                let cell = link(Row.fields[index], row).map { "<a href=\"\(escape($0))\">\(text)</a>" } ?? text
                out += numeric ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            out += "</tr>"
        }
        if report.rows.isEmpty { out += "<tr><td colspan=\"\(indexes.count)\">\(both("Không có dòng nào", "No rows"))</td></tr>" }
        return out + "</tbody></table></div>"
    }

    /// Whether cell `a` sorts before `b`: numbers and instants by value, text by its characters,
    /// missing values last.
    static func precedes(_ a: Value, _ b: Value) -> Bool {
        func key(_ value: Value) -> (Int, Double, String) {
            switch value {
            case .integer(let n): (0, Double(n), "")
            case .hours(let h): (0, h, "")
            case .percent(let p?), .points(let p?): (0, p, "")
            case .instant(let t?): (0, Double(t.microseconds), "")
            case .flag(let f): (0, f ? 1 : 0, "")
            case .text(let s), .digest(let s): (1, 0, s)
            case .codes(let codes): (1, 0, codes.joined(separator: " "))
            default: (2, 0, "")
            }
        }
        let (x, y) = (key(a), key(b))
        return (x.0, x.1) != (y.0, y.1) ? (x.0, x.1) < (y.0, y.1) : x.2 < y.2
    }

    /// The line every page ends with: the checkpoint its figures reflect, for a printed copy.
    static func provenance(_ provenance: Provenance, at instant: Instant?) -> String {
        let checkpoint = provenance.checkpoint
        return "<p class=\"checkpoint\">" + both("Điểm kiểm", "Checkpoint") + ": seq \(checkpoint.position), hash <code>\(checkpoint.hash.hex)</code>"
            + (instant.map { " · " + both("tính đến", "as of") + " \(escape($0.description))" } ?? "") + "</p>"
    }
}
