public import DossierDomain
import EventLog
import Foundation
public import Projections
public import Views

/// How reports are written.
public enum Format: String, CaseIterable, Sendable {
    /// Aligned columns with a footer stating the checkpoint; for people.
    case table
    /// One object: `title`, `checkpoint` (`seq`, `hash`), `projection`, `report_instant`, `rows`
    /// (the field names of indicators.md), `summary`; for scripts.
    case json
    /// A header of field names, then one line per row, each ending with `checkpoint_seq` and
    /// `checkpoint_hash`; for spreadsheets.
    case csv
    /// An Excel workbook (`--output FILE`): one sheet per report.
    case xlsx
}

/// The language of labels, dates and numbers.
public enum Language: String, CaseIterable, Sendable {
    case en, vi

    /// `vi` when `LANG` starts with `vi`, else `en`.
    public static var fromEnvironment: Language {
        (ProcessInfo.processInfo.environment["LANG"] ?? "").hasPrefix("vi") ? .vi : .en
    }
}

/// Formats values and reports in one language and format.
public struct Renderer: Sendable {
    public let format: Format
    public let language: Language
    /// CSV starts with U+FEFF (a spreadsheet then reads it as UTF-8).
    public var byteOrderMark = false
    /// The fields to show, in this order (`--columns`); nil: all of them.
    public var columns: [String]? = nil

    public init(format: Format, language: Language, byteOrderMark: Bool = false, columns: [String]? = nil) {
        self.format = format
        self.language = language
        self.byteOrderMark = byteOrderMark
        self.columns = columns
    }

    /// Where each shown field is among `Row.fields`.
    public func shown<Row: ReportRow>(_: Row.Type) -> [Int] {
        guard let columns else { return Array(Row.fields.indices) }
        return columns.compactMap { Row.fields.firstIndex(of: $0) }
    }

    public func fields<Row: ReportRow>(_: Row.Type) -> [String] { shown(Row.self).map { Row.fields[$0] } }

    public func values<Row: ReportRow>(_ row: Row) -> [Value] {
        let all = row.values
        return shown(Row.self).map { all[$0] }
    }

    public func render<Row: ReportRow>(_ report: Report<Row>) -> String {
        switch format {
        case .json: return json(report)
        case .csv: return csv(report)
        case .table, .xlsx: return table(report)
        }
    }

    // MARK: Table

    public func table<Row: ReportRow>(_ report: Report<Row>) -> String {
        let names = fields(Row.self)
        let header = names.map(label)
        let cells = report.rows.map { zip(values($0), names).map { display($0, field: $1) } }
        var out = title(report) + "\n\n" + Renderer.align([header] + cells, numeric: numericColumns(report))
        if report.rows.isEmpty { out += language == .vi ? "(không có dòng nào)\n" : "(no rows)\n" }
        if let summary = report.summary { out += "\n" + language.say(summary) + "\n" }
        if let unjudged = unjudgedLine(report.unjudged) { out += "\n" + unjudged + "\n" }
        out += "\n" + footer(report.provenance, reportInstant: report.reportInstant, rows: report.rows.count) + "\n"
        return out
    }

    /// The dossiers a view could not judge, with the calendar years to load; nil when none.
    public func unjudgedLine(_ unjudged: [Unjudged]) -> String? {
        guard !unjudged.isEmpty else { return nil }
        let years = Set(unjudged.map(\.year)).sorted().map(String.init).joined(separator: ", ")
        let codes = unjudged.prefix(10).map(\.dossier).joined(separator: " ") + (unjudged.count > 10 ? " …" : "")
        switch language {
        case .en: return "not judged: \(unjudged.count) dossiers need the calendar of \(years), which is not loaded (dossier import --calendar FILE): \(codes)"
        case .vi: return "chưa đánh giá được: \(unjudged.count) hồ sơ cần lịch làm việc năm \(years), chưa được nạp (dossier import --calendar FILE): \(codes)"
        }
    }

    public func footer(_ provenance: Provenance, reportInstant: Instant?, rows: Int) -> String {
        let checkpoint = "seq \(provenance.checkpoint.position), hash \(provenance.checkpoint.hash.hex.prefix(12))"
        let instant = reportInstant.map { text(.instant($0)) } ?? "-"
        switch language {
        case .en: return "\(rows) rows · checkpoint \(checkpoint) (\(provenance.projection) v\(provenance.version)) · as of \(instant)"
        case .vi: return "\(rows) dòng · điểm kiểm \(checkpoint) (\(provenance.projection) v\(provenance.version)) · tính đến \(instant)"
        }
    }

    private func numericColumns<Row: ReportRow>(_ report: Report<Row>) -> Set<Int> {
        guard let first = report.rows.first.map(values) else { return [] }
        return Set(first.indices.filter { index in
            switch first[index] {
            case .integer, .hours, .percent, .points: true
            default: false
            }
        })
    }

    /// Pads every column to its widest cell (numbers right-aligned), with a rule under the header.
    public static func align(_ rows: [[String]], numeric: Set<Int> = []) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) + "\n"
        }
        return line(header) + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            + rows.dropFirst().map(line).joined()
    }

    public func text(_ value: Value) -> String {
        switch value {
        case .text(let s): return s
        case .integer(let n): return grouped(n)
        case .hours(let h): return decimal(h)
        case .percent(let p): return p.map { decimal($0, places: 2) + "%" } ?? "-"
        case .points(let p): return p.map { decimal($0, places: 2) } ?? "-"
        case .instant(let i):
            guard let i else { return "-" }
            let date = i.localDate, minutes = i.localMicrosecondOfDay / 60_000_000
            let clock = "\(two(Int(minutes / 60))):\(two(Int(minutes % 60)))"
            let (year, month, day) = date.components
            return language == .vi ? "\(two(day))/\(two(month))/\(year) \(clock)" : "\(date) \(clock)"
        case .flag(let b): return language == .vi ? (b ? "có" : "không") : (b ? "yes" : "no")
        case .digest(let hex): return String(hex.prefix(12))
        case .codes(let codes): return codes.count <= 2 ? codes.joined(separator: " ") : "\(codes[0]) … (\(codes.count))"
        case .null: return "-"
        }
    }

    private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// 1,234 (en) or 1.234 (vi).
    public func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(language == .vi ? "." : ",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// 98.81 (en) or 98,81 (vi); hours show up to 2 decimals.
    public func decimal(_ value: Double, places: Int? = nil) -> String {
        var s = String(format: "%.\(places ?? 2)f", value)
        if places == nil { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return language == .vi ? s.replacingOccurrences(of: ".", with: ",") : s
    }

    public func label(_ field: String) -> String {
        language == .vi ? (Renderer.vietnamese[field] ?? field) : field.replacingOccurrences(of: "_", with: " ")
    }

    public func localizedTitle(_ title: String) -> String {
        guard language == .vi else { return title }
        var out = title
        for (en, vi) in Renderer.titleWords { out = out.replacingOccurrences(of: en, with: vi) }
        return out
    }

    /// Vietnamese column labels (glossary.md).
    static let vietnamese: [String: String] = [
        "dossier": "Mã hồ sơ", "procedure": "Thủ tục", "competent_unit": "Cơ quan giải quyết", "received": "Tiếp nhận",
        "due": "Ngày hẹn trả", "rescheduled_due": "Hẹn lại", "hours_overdue": "Số giờ quá hạn", "holder_actor": "Cán bộ đang giữ",
        "holder_unit": "Đơn vị đang giữ", "apology": "Phiếu xin lỗi", "supplements": "Yêu cầu bổ sung", "status": "Trạng thái",
        "finished": "Hoàn thành", "class": "Kết quả", "group": "Nhóm", "population": "Tổng số", "carried_over": "Kỳ trước chuyển qua",
        "early": "Trước hạn", "on_time": "Đúng hạn", "late": "Trễ hạn", "open_in_time": "Đang giải quyết trong hạn",
        "open_overdue": "Đang giải quyết quá hạn", "waiting": "Chờ bổ sung", "withdrawn": "Rút hồ sơ",
        "on_time_rate": "Tỷ lệ đúng hạn", "score_766": "Điểm 766 (2.1)", "online": "Trực tuyến", "online_full": "Toàn trình",
        "online_partial": "Một phần", "direct": "Trực tiếp", "postal": "Bưu chính", "online_rate": "Tỷ lệ trực tuyến",
        "officer": "Cán bộ", "unit": "Đơn vị", "steps_held": "Bước tiếp nhận", "steps_finished": "Bước hoàn thành",
        "steps_late": "Bước trễ", "overrun_hours": "Giờ trễ", "steps_open_late": "Bước đang trễ", "open_overrun_hours": "Giờ đang trễ",
        "deadlines_missed": "Lần quá hạn", "late_without_apology": "Trễ không xin lỗi", "apology_too_late": "Xin lỗi muộn",
        "repeated_reschedule": "Hẹn lại nhiều lần", "late_supplement_request": "Yêu cầu bổ sung muộn", "complaints": "Phản ánh gây phiền hà",
        "dissatisfied": "Không hài lòng", "home_visits": "Hỗ trợ tại nhà", "dossiers": "Hồ sơ", "satisfied": "Hài lòng",
        "neutral": "Bình thường", "unhappy_dossiers": "Hồ sơ bị phản ánh", "score_5_4": "Chỉ số 5.4", "full_marks": "Đạt điểm tối đa",
        "visits": "Lượt hỗ trợ", "minutes": "Số phút", "guidance": "Hướng dẫn", "receive": "Nhận hồ sơ", "deliver": "Trả kết quả",
        "assisted_dossiers": "Hồ sơ hỗ trợ tại nhà", "assisted_on_time_rate": "Tỷ lệ đúng hạn (hỗ trợ)", "target": "Chỉ tiêu",
        "indicator": "Chỉ số", "comparison": "So sánh", "threshold": "Ngưỡng", "value": "Đạt được", "achieved_percent": "% chỉ tiêu",
        "met": "Đạt", "seq": "Số thứ tự", "version": "Phiên bản", "at": "Thời điểm", "type": "Sự kiện", "actor": "Người thực hiện",
        "hash": "Mã băm", "standing": "Tình trạng", "entries_voided": "Bút toán bị hủy", "voided_at": "Bị hủy lúc",
        "voided_by": "Người hủy", "void_reason": "Lý do hủy", "hours_remaining": "Số giờ còn lại", "due_soon": "Sắp đến hạn",
        "not_returned": "Chưa trả kết quả", "name": "Tên", "level": "Cấp", "parent": "Đơn vị cấp trên",
        "to_resolve": "Tổng số hồ sơ cần giải quyết", "received_online": "Tiếp nhận trực tuyến", "received_direct_postal": "Tiếp nhận trực tiếp và bưu chính",
        "item": "Mục", "events": "Sự kiện", "head_seq": "Seq cuối", "head_hash": "Mã băm cuối", "store_bytes": "Dung lượng kho",
        "calendar_loaded_through": "Lịch đã nạp đến năm", "projection_dossiers": "Bảng tổng hợp hồ sơ",
        "projection_receipts": "Bảng tổng hợp tiếp nhận", "resolved": "Đã giải quyết", "in_progress": "Đang giải quyết", "not_yet_due": "Chưa đến hạn", "overdue": "Quá hạn",
    ]

    static let titleWords: [(String, String)] = [
        ("Late dossiers as of", "Hồ sơ quá hạn tính đến"), ("Periodic report", "Báo cáo tình hình giải quyết hồ sơ"), ("Due soon as of", "Hồ sơ sắp đến hạn tính đến"), ("On-time rate", "Tỷ lệ giải quyết đúng hạn"), ("Online rate", "Tỷ lệ trực tuyến"),
        ("Accountability", "Trách nhiệm giải trình"), ("Reward list", "Danh sách khen thưởng"), ("Satisfaction", "Mức độ hài lòng"),
        ("Home support", "Hỗ trợ tại nhà"), ("Targets scorecard", "Kết quả thực hiện chỉ tiêu"), ("Case history of", "Lịch sử hồ sơ"),
        (" by receiving unit", " theo đơn vị tiếp nhận"), (" by unit", " theo đơn vị"), (" by officer", " theo cán bộ"),
        (" by procedure", " theo thủ tục"), (" by channel", " theo kênh"), (" by receiving-unit", " theo đơn vị tiếp nhận"),
    ]

    // MARK: An operation's outcome

    /// What an operation did (an import, a verification, a rebuild): `text` for people, or the
    /// named values as one JSON object, or as a CSV header and one line.
    public func outcome(_ text: String, _ fields: [(name: String, value: Value)]) -> String {
        switch format {
        case .table, .xlsx:
            return text.hasSuffix("\n") ? text : text + "\n"
        case .json:
            return "{" + fields.map { "\(Renderer.quote($0.name)):\(Renderer.json($0.value))" }.joined(separator: ",") + "}\n"
        case .csv:
            return csvStart + fields.map(\.name).joined(separator: ",") + "\n"
                + fields.map { csvField(csvCell($0.value)) }.joined(separator: ",") + "\n"
        }
    }

    // MARK: JSON

    public func json<Row: ReportRow>(_ report: Report<Row>) -> String {
        var out = "{\"title\":\(Renderer.quote(report.title)),"
        out += "\"checkpoint\":{\"seq\":\(report.provenance.checkpoint.position),\"hash\":\"\(report.provenance.checkpoint.hash.hex)\"},"
        out += "\"projection\":{\"name\":\(Renderer.quote(report.provenance.projection)),\"version\":\(report.provenance.version)},"
        out += "\"report_instant\":\(report.reportInstant.map { Renderer.quote($0.description) } ?? "null"),"
        if let period = report.period {
            out += "\"period\":{\"label\":\(Renderer.quote(period.label)),\"start\":\(Renderer.quote(period.start.description)),"
                + "\"end\":\(Renderer.quote(period.end.description))},"
        }
        out += "\"rows\":[" + report.rows.map { row in
            "{" + zip(fields(Row.self), values(row)).map { "\(Renderer.quote($0)):\(Renderer.json($1))" }.joined(separator: ",") + "}"
        }.joined(separator: ",\n") + "]"
        if let summary = report.summary { out += ",\"summary\":\(Renderer.quote(summary.description))" }
        if !report.details.isEmpty {
            out += ",\"details\":{" + report.details.map { "\(Renderer.quote($0.name)):\(Renderer.json($0.value))" }.joined(separator: ",") + "}"
        }
        if !report.unjudged.isEmpty {
            let years = Set(report.unjudged.map(\.year)).sorted().map(String.init).joined(separator: ",")
            out += ",\"unjudged\":{\"count\":\(report.unjudged.count),\"calendar_years_missing\":[\(years)],"
                + "\"dossiers\":[" + report.unjudged.map { Renderer.quote($0.dossier) }.joined(separator: ",") + "]}"
        }
        return out + "}\n"
    }

    public static func json(_ value: Value) -> String {
        switch value {
        case .text(let s), .digest(let s): return quote(s)
        case .integer(let n): return String(n)
        case .hours(let h): return number(h)
        case .percent(let p), .points(let p): return p.map(number) ?? "null"
        case .instant(let i): return i.map { quote($0.description) } ?? "null"
        case .flag(let b): return b ? "true" : "false"
        case .codes(let codes): return "[" + codes.map(quote).joined(separator: ",") + "]"
        case .null: return "null"
        }
    }

    /// Up to 2 decimals, no trailing zeros: 12.5, 98.81, 3.
    public static func number(_ value: Double) -> String {
        var s = String(format: "%.2f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    public static func quote(_ s: String) -> String { jsonString(s) }

    // MARK: CSV

    /// What a CSV document starts with: the byte-order mark, when asked.
    var csvStart: String { byteOrderMark ? "\u{FEFF}" : "" }

    /// A CSV cell's text: empty for null everywhere.
    public func csvCell(_ value: Value) -> String {
        switch value {
        case .text(let s), .digest(let s): return s
        case .codes(let codes): return codes.joined(separator: " ")
        case .null, .instant(nil), .percent(nil), .points(nil): return ""
        default: return Renderer.json(value).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }

    /// A CSV field, quoted when it must be.
    public func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    public func csv<Row: ReportRow>(_ report: Report<Row>) -> String {
        let checkpoint = ["\(report.provenance.checkpoint.position)", report.provenance.checkpoint.hash.hex]
        var out = csvStart + (fields(Row.self) + ["checkpoint_seq", "checkpoint_hash"]).joined(separator: ",") + "\n"
        for row in report.rows { out += (values(row).map(csvCell) + checkpoint).map(csvField).joined(separator: ",") + "\n" }
        if let unjudged = unjudgedLine(report.unjudged) { out += "# " + unjudged + "\n" }
        return out
    }
}

extension Renderer {
    /// A sweep's outcome as JSON: the checkpoint, `as_of`, the `deadline_missed` events appended
    /// (as `rows` and `appended`), how many were recorded already, and the refusals.
    public static func json(_ sweep: SweepResult) -> String {
        let events = sweep.appended.map { $0.jsonLine() }.joined(separator: ",\n")
        return "{\"checkpoint\":{\"seq\":\(sweep.provenance.checkpoint.position),\"hash\":\"\(sweep.provenance.checkpoint.hash.hex)\"},"
            + "\"as_of\":\(quote(sweep.asOf.description)),\"rows\":[\(events)],\"appended\":[\(events)],\"already_present\":\(sweep.alreadyPresent),"
            + "\"refused\":[\(sweep.refused.map(quote).joined(separator: ","))]}\n"
    }
}
