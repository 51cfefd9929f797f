/// One of the periods the views keep figures for ahead of time: a month, a quarter or a year,
/// calendar or cut on the 15th (``Period/parse(_:cutOff15th:)``'s forms without a range).
///
/// Slots of one kind tile time: every instant is in exactly one, numbered in months, quarters
/// or years since year 0, so a dossier's slots are the numbers from its receipt's to its finish's.
public struct PeriodSlot: Sendable, Hashable, Comparable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case month = 1, quarter, year
        case month15, quarter15, year15

        var cutOff15th: Bool { rawValue >= Kind.month15.rawValue }
        /// Months per slot.
        var months: Int {
            switch self {
            case .month, .month15: 1
            case .quarter, .quarter15: 3
            case .year, .year15: 12
            }
        }
    }

    public let kind: Kind
    public let index: Int

    public init(kind: Kind, index: Int) {
        self.kind = kind
        self.index = index
    }

    /// The slot of `kind` holding `instant` (its local date).
    public init(_ kind: Kind, holding instant: Instant) {
        let (year, month, day) = instant.localDate.components
        // A period cut on the 15th is named after the month it ends in: 15 June to 14 July is "07".
        let months = year * 12 + month - 1 + (kind.cutOff15th && day >= 15 ? 1 : 0)
        self.init(kind: kind, index: months.floorDivided(by: kind.months))
    }

    /// The slot that is exactly `period` (same start and end), if any.
    public init?(_ period: Period) {
        for kind in Kind.allCases {
            let slot = PeriodSlot(kind, holding: period.start)
            let same = slot.span
            if same.start == period.start, same.end == period.end {
                self = slot
                return
            }
        }
        return nil
    }

    /// The period, labelled as ``Period/parse(_:cutOff15th:)`` labels it.
    public func period() -> Period {
        let (year, month) = firstMonth
        let label = switch kind {
        case .month, .month15: "\(year)-" + (month < 10 ? "0" : "") + "\(month)"
        case .quarter, .quarter15: "\(year)-Q\((month - 1) / 3 + 1)"
        case .year, .year15: "\(year)"
        }
        return Period(from: span.firstDay, through: span.lastDay, label: label + (kind.cutOff15th ? Period.cutOff15thSuffix : ""))
    }

    /// The period without its label (cheaper, for judging many dossiers).
    public var span: Period {
        let (year, month) = firstMonth
        let lastMonth = month + kind.months - 1
        if kind.cutOff15th {
            let (y, m) = month == 1 ? (year - 1, 12) : (year, month - 1)
            return Period(from: LocalDate(year: y, month: m, day: 15), through: LocalDate(year: year, month: lastMonth, day: 14), label: "")
        }
        return Period(from: LocalDate(year: year, month: month, day: 1),
                      through: LocalDate(year: year, month: lastMonth, day: LocalDate.daysIn(month: lastMonth, year: year)), label: "")
    }

    /// The year and month (1–12) of the slot's first month, by name (a slot cut on the 15th
    /// starts on the 15th of the month before).
    private var firstMonth: (year: Int, month: Int) {
        let months = index * kind.months
        let year = months.floorDivided(by: 12)
        return (year, months - year * 12 + 1)
    }

    /// The months (of the same cut) the slot is made of, in order.
    public var months: [PeriodSlot] {
        let month: Kind = kind.cutOff15th ? .month15 : .month
        return (0..<kind.months).map { PeriodSlot(kind: month, index: index * kind.months + $0) }
    }

    public static func < (a: PeriodSlot, b: PeriodSlot) -> Bool { (a.kind.rawValue, a.index) < (b.kind.rawValue, b.index) }
}

extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
