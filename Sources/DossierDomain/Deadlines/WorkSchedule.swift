/// Working time for one unit: the calendar's working days (and the unit's closed days) and the
/// unit's office hours. Implements W(a, b) and advance(s, h) of deadlines.md.
public struct WorkSchedule: Sendable {
    public let calendar: WorkingCalendar
    public let hours: OfficeHours
    /// The unit whose closed days apply, if any.
    public let unit: String?

    public init(calendar: WorkingCalendar, hours: OfficeHours = .standard, unit: String? = nil) {
        self.calendar = calendar
        self.hours = hours
        self.unit = unit
    }

    public func isWorkingDay(_ date: LocalDate) throws(CalendarError) -> Bool {
        try calendar.isWorkingDay(date, unit: unit)
    }

    /// W(a, b): microseconds of office time of working days inside [a, b); 0 when b ≤ a.
    public func workingTime(from a: Instant, to b: Instant) throws(CalendarError) -> Int64 {
        guard a < b else { return 0 }
        var total: Int64 = 0
        var date = a.localDate
        let last = b.localDate
        while date <= last {
            if try isWorkingDay(date) {
                for interval in hours.intervals {
                    let start = Instant(localDate: date, microsecondOfDay: interval.lowerBound)
                    let end = Instant(localDate: date, microsecondOfDay: interval.upperBound)
                    let from = max(start, a), to = min(end, b)
                    if from < to { total += to - from }
                }
            }
            date = date + 1
        }
        return total
    }

    /// advance(s, h): the earliest instant t ≥ s with W(s, t) = h (h in microseconds, ≥ 0).
    public func advance(_ s: Instant, by h: Int64) throws(CalendarError) -> Instant {
        precondition(h >= 0, "advance by a negative working time")
        if h == 0 { return s }
        var remaining = h
        var date = s.localDate
        while true {
            if try isWorkingDay(date) {
                for interval in hours.intervals {
                    let start = max(Instant(localDate: date, microsecondOfDay: interval.lowerBound), s)
                    let end = Instant(localDate: date, microsecondOfDay: interval.upperBound)
                    guard start < end else { continue }
                    let available = end - start
                    if remaining <= available { return start + remaining }
                    remaining -= available
                }
            }
            date = date + 1
        }
    }

    /// The closing time (end of the last interval) of `date`.
    public func closingTime(of date: LocalDate) -> Instant {
        Instant(localDate: date, microsecondOfDay: hours.closing)
    }

    /// The first working day after `date`.
    public func nextWorkingDay(after date: LocalDate) throws(CalendarError) -> LocalDate {
        var next = date + 1
        while try !isWorkingDay(next) { next = next + 1 }
        return next
    }

    /// The first working day on or after `date`.
    public func workingDay(onOrAfter date: LocalDate) throws(CalendarError) -> LocalDate {
        var day = date
        while try !isWorkingDay(day) { day = day + 1 }
        return day
    }
}

/// Converts working hours to microseconds, rounding to the nearest microsecond.
public func microseconds(hours: Double) -> Int64 {
    Int64((hours * 3_600_000_000).rounded())
}
