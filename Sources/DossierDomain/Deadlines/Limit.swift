/// A procedure's legal time limit (thời hạn giải quyết).
public enum Limit: Sendable, Hashable, CustomStringConvertible {
    case workingDays(Int)
    case calendarDays(Int)
    case hours(Double)
    case sameDay

    public var description: String {
        switch self {
        case .workingDays(let n): "\(n) working days"
        case .calendarDays(let n): "\(n) calendar days"
        case .hours(let h): "\(h) hours"
        case .sameDay: "same day"
        }
    }
}

extension WorkSchedule {
    /// 15:00 local: the same-day and step-0 threshold, whatever the unit's hours.
    static let afternoonCutoff: Int64 = 15 * 3_600_000_000

    /// The legal due of a dossier whose clock starts at `start` (receipt, or a supplement's
    /// arrival), in the receiving unit's schedule (deadlines.md, "The dossier's due").
    public func due(from start: Instant, limit: Limit) throws(CalendarError) -> Instant {
        switch limit {
        case .hours(let h):
            return try advance(start, by: microseconds(hours: h))
        case .workingDays(let n):
            return try advance(start, by: Int64(n) * hours.dayLength)
        case .sameDay:
            let date = start.localDate
            if try isWorkingDay(date), start.localMicrosecondOfDay <= Self.afternoonCutoff {
                return closingTime(of: date)
            }
            return closingTime(of: try nextWorkingDay(after: date))
        case .calendarDays(let n):
            return closingTime(of: try workingDay(onOrAfter: start.localDate + n))
        }
    }

    /// The due of step 0 (the desk must forward): the closing time of the receipt day when it is a
    /// working day and receipt is at or before 15:00; otherwise the end of the first office
    /// interval of the next working day.
    public func firstStepDue(receivedAt start: Instant) throws(CalendarError) -> Instant {
        let date = start.localDate
        if try isWorkingDay(date), start.localMicrosecondOfDay <= Self.afternoonCutoff {
            return closingTime(of: date)
        }
        return Instant(localDate: try nextWorkingDay(after: date), microsecondOfDay: hours.intervals[0].upperBound)
    }
}
