import DossierDomain
import Foundation
public import Views

/// The words of the reports' values and titles in Vietnamese (glossary): statuses, event types,
/// standings, classes, channels, levels, and periods as Vietnamese reports write them. One
/// catalog: tables and workbooks read it; JSON and CSV keep the stable codes.
enum Vietnamese {
    /// Values of the fields that hold a code from a fixed list.
    static let values: [String: String] = [
        // statuses
        "not_received": "chưa tiếp nhận", "received": "đã tiếp nhận", "processing": "đang xử lý", "supplement": "chờ bổ sung",
        "processed": "đã giải quyết", "returned": "đã trả kết quả", "withdrawn": "rút hồ sơ", "stopped": "dừng xử lý",
        // event types
        "forwarded": "chuyển xử lý", "supplement_requested": "yêu cầu bổ sung", "supplement_received": "nhận bổ sung",
        "deadline_missed": "quá hạn", "apology_issued": "xin lỗi, hẹn lại", "home_support_visit": "hỗ trợ tại nhà",
        "feedback": "phản ánh, đánh giá", "voided": "hủy bút toán",
        // standings and classes
        "in_time": "trong hạn", "overdue": "quá hạn", "waiting": "chờ bổ sung", "unknown": "chưa xác định", "early": "trước hạn",
        "on_time": "đúng hạn", "late": "trễ hạn",
        // channels
        "direct": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính",
        // unit levels
        "province": "tỉnh", "district": "huyện", "commune": "xã", "department": "sở, phòng", "desk": "bộ phận một cửa",
        "total": "tổng cộng",
    ]

    /// The fields whose values are such codes.
    static let codedFields: Set<String> = ["status", "type", "standing", "class", "level", "group"]

    /// A period as Vietnamese reports write it: "Tháng 9/2026", "Quý III/2026", "Năm 2026",
    /// "01/07/2026–30/09/2026" (a range, or a period cut on the 15th).
    static func period(_ period: Period) -> String {
        let label = period.label
        if let match = label.wholeMatch(of: /(\d{4})-Q([1-4])/) {
            return "Quý \(["I", "II", "III", "IV"][Int(match.2)! - 1])/\(match.1)"
        }
        if let match = label.wholeMatch(of: /(\d{4})-(\d{2})/) { return "Tháng \(Int(match.2)!)/\(match.1)" }
        if label.wholeMatch(of: /\d{4}/) != nil { return "Năm \(label)" }
        return "\(date(period.firstDay))–\(date(period.lastDay))"
    }

    static func date(_ date: LocalDate) -> String {
        let (year, month, day) = date.components
        return String(format: "%02d/%02d/%d", day, month, year)
    }
}

extension Renderer {
    /// A cell's text for people: in Vietnamese, the coded fields' values are words; names are
    /// shortened to fit a table (the code beside them is kept whole).
    public func display(_ value: Value, field: String) -> String {
        if language == .vi, case .text(let code) = value, Vietnamese.codedFields.contains(field) || code == "total", let word = Vietnamese.values[code] {
            return word
        }
        if field == "name", case .text(let name) = value, name.count > Renderer.nameWidth {
            return String(name.prefix(Renderer.nameWidth - 1)) + "…"
        }
        return text(value)
    }

    /// The widest a name is shown in a table.
    static let nameWidth = 32

    /// A report's title for people: its period as the language writes it, and instants formatted
    /// (never a raw timestamp).
    func title<Row: ReportRow>(_ report: Report<Row>) -> String {
        var out = report.title
        out = out.replacing(/\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})/) { match in
            (try? Instant(rfc3339: String(match.output))).map { text(.instant($0)) } ?? String(match.output)
        }
        if language == .vi, let period = report.period {
            out = out.replacingOccurrences(of: period.label, with: Vietnamese.period(period))
        }
        return localizedTitle(out)
    }
}
