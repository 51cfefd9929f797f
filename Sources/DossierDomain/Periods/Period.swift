/// A reporting period: a half-open interval of local time [start, end) (indicators.md).
///
/// Built-in forms: a month `2025-07`, a quarter `2025-Q3`, a year `2025`, and an explicit range
/// of dates `2025-07-01..2025-09-30` (both days included). Vietnamese periodic reports often cut
/// on the 15th: with `cutOff15th`, a month runs from the 15th of the month before to the 14th, a
/// quarter ends on the 14th of its last month, a year runs from 15 December to 14 December.
public struct Period: Sendable, Hashable, CustomStringConvertible {
    public let start: Instant
    public let end: Instant
    /// As given, e.g. `2025-Q3`, with ` (cut-off 15th)` when so.
    public let label: String

    public init(from first: LocalDate, through last: LocalDate, label: String) {
        start = Instant(localDate: first, microsecondOfDay: 0)
        end = Instant(localDate: last + 1, microsecondOfDay: 0)
        self.label = label
    }

    public var description: String { label }

    /// The local dates the period covers, first and last.
    public var firstDay: LocalDate { start.localDate }
    public var lastDay: LocalDate { (end + -1).localDate }

    public func contains(_ instant: Instant) -> Bool { start <= instant && instant < end }

    /// The forms ``parse(_:cutOff15th:)`` accepts, for error messages.
    public static let accepted = "a month 2025-07, a quarter 2025-Q3, a year 2025, or dates 2025-07-01..2025-09-30"

    /// - Throws: ``PeriodError`` naming the accepted forms.
    /// What a label cut on the 15th ends with.
    public static let cutOff15thSuffix = " (cut-off 15th)"

    public static func parse(_ text: String, cutOff15th: Bool = false) throws(PeriodError) -> Period {
        let suffix = cutOff15th ? cutOff15thSuffix : ""
        let ends = text.split(separator: ".", omittingEmptySubsequences: false)
        if ends.count > 1 {
            guard ends.count == 3, ends[1].isEmpty, let first = LocalDate(parsing: ends[0]), let last = LocalDate(parsing: ends[2]),
                  first <= last else { throw PeriodError(text) }
            return Period(from: first, through: last, label: text)
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let year = Int(parts[0]), parts[0].count == 4 else { throw PeriodError(text) }
        func monthSpan(_ firstMonth: Int, _ lastMonth: Int) -> Period {
            if cutOff15th {
                let (y, m) = firstMonth == 1 ? (year - 1, 12) : (year, firstMonth - 1)
                return Period(from: LocalDate(year: y, month: m, day: 15), through: LocalDate(year: year, month: lastMonth, day: 14), label: text + suffix)
            }
            return Period(from: LocalDate(year: year, month: firstMonth, day: 1),
                          through: LocalDate(year: year, month: lastMonth, day: LocalDate.daysIn(month: lastMonth, year: year)), label: text)
        }
        switch parts.count {
        case 1:
            return monthSpan(1, 12)
        case 2 where parts[1].count == 2 && parts[1].first == "Q":
            guard let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { throw PeriodError(text) }
            return monthSpan(quarter * 3 - 2, quarter * 3)
        case 2 where parts[1].count == 2:
            guard let month = Int(parts[1]), (1...12).contains(month) else { throw PeriodError(text) }
            return monthSpan(month, month)
        default:
            throw PeriodError(text)
        }
    }
}

public struct PeriodError: PhrasedError, Sendable, Hashable {
    public let text: String
    init(_ text: some StringProtocol) { self.text = String(text) }
    public var phrase: Phrase { "\"\(text)\" is not a period; use \(Period.accepted)" }
}

extension DossierState {
    /// Whether the dossier is in the period's population: received before its end and not
    /// finished before its start (indicators.md).
    public func isInPopulation(of period: Period) -> Bool {
        guard let receipt, receipt.at < period.end else { return false }
        guard let finish else { return true }
        return finish.at >= period.start
    }
}
