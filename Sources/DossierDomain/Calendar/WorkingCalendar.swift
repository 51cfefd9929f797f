/// One year of the civil-service calendar: the weekdays that are not working days and the
/// Saturdays that are, with the notice that fixed them (calendar-vn.md).
public struct CalendarYear: Sendable, Hashable {
    public let year: Int
    public let notice: String
    public let daysOff: [LocalDate]
    public let saturdaysWorked: [LocalDate]

    /// - Throws: ``CalendarError`` when a date is outside `year`, a day off is not a weekday, or a
    ///   worked day is not a Saturday.
    public init(year: Int, notice: String, daysOff: [LocalDate], saturdaysWorked: [LocalDate]) throws(CalendarError) {
        for date in daysOff + saturdaysWorked where date.year != year {
            throw .invalid("\(date) is not in \(year)")
        }
        for date in daysOff where date.weekday > 5 {
            throw .invalid("day off \(date) is a weekend day; list only weekdays off (a holiday on a weekend moves to a weekday)")
        }
        for date in saturdaysWorked where date.weekday != 6 {
            throw .invalid("worked day \(date) is not a Saturday")
        }
        self.year = year
        self.notice = notice
        self.daysOff = daysOff
        self.saturdaysWorked = saturdaysWorked
    }
}

/// Why a calendar could not answer or be built.
public enum CalendarError: PhrasedError, Sendable, Equatable {
    /// No notice is loaded for this year: its holidays are unknown, so no due can be computed.
    case yearNotLoaded(Int)
    case invalid(Phrase)

    public var phrase: Phrase {
        switch self {
        case .yearNotLoaded(let year):
            "the civil-service calendar for \(year) is not loaded (its notice of days off is not known); load it with the calendar file before computing dues that reach into \(year)"
        case .invalid(let why): "invalid calendar: \(why)"
        }
    }
}

/// Which days are working days: Monday to Friday, except the calendar's days off and a unit's
/// own closed days, plus the Saturdays the calendar makes working days.
public struct WorkingCalendar: Sendable, Equatable {
    private var years: [Int: CalendarYear] = [:]
    private var daysOff: Set<LocalDate> = []
    private var saturdaysWorked: Set<LocalDate> = []
    private var unitClosedDays: [String: Set<LocalDate>] = [:]

    public init(years: [CalendarYear] = []) {
        for year in years { add(year) }
    }

    /// Adds (or replaces) a year.
    public mutating func add(_ year: CalendarYear) {
        if let old = years[year.year] {
            daysOff.subtract(old.daysOff)
            saturdaysWorked.subtract(old.saturdaysWorked)
        }
        years[year.year] = year
        daysOff.formUnion(year.daysOff)
        saturdaysWorked.formUnion(year.saturdaysWorked)
    }

    /// Adds days on which one unit is closed although the calendar works.
    public mutating func addClosedDays(_ dates: [LocalDate], unit: String) {
        unitClosedDays[unit, default: []].formUnion(dates)
    }

    /// The years loaded, in order.
    public var loadedYears: [CalendarYear] { years.keys.sorted().compactMap { years[$0] } }

    /// Whether `date` is a working day for `unit` (nil: the national calendar only).
    /// - Throws: ``CalendarError/yearNotLoaded(_:)`` for a year without a notice.
    public func isWorkingDay(_ date: LocalDate, unit: String? = nil) throws(CalendarError) -> Bool {
        guard years[date.year] != nil else { throw .yearNotLoaded(date.year) }
        if let unit, unitClosedDays[unit]?.contains(date) == true { return false }
        switch date.weekday {
        case 6: return saturdaysWorked.contains(date)
        case 7: return false
        default: return !daysOff.contains(date)
        }
    }
}
