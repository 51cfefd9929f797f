import DossierDomain

/// A local (UTC+07:00) time, "2025-03-04 09:12".
func t(_ text: String) -> Instant {
    let parts = text.split(separator: " ")
    let time = parts[1].split(separator: ":")
    guard let date = LocalDate(parsing: parts[0]), let h = Int64(time[0]), let m = Int64(time[1]) else {
        preconditionFailure("bad test time \(text)")
    }
    return Instant(localDate: date, microsecondOfDay: (h * 60 + m) * 60_000_000)
}

func hours(_ h: Double) -> Int64 { microseconds(hours: h) }

let standard = WorkSchedule(calendar: .vietnam)
/// A unit open 07:00–11:00 and 13:30–17:00: a 7.5-hour day.
let shortMorning = WorkSchedule(calendar: .vietnam, hours: try! OfficeHours(["07:00", "11:00"], ["13:30", "17:00"]))
/// A unit closing at 16:30 (07:00–11:30, 13:00–16:30).
let earlyClosing = WorkSchedule(calendar: .vietnam, hours: try! OfficeHours(["07:00", "11:30"], ["13:00", "16:30"]))
/// A unit open 07:30–16:30 without a lunch break.
let noLunch = WorkSchedule(calendar: .vietnam, hours: try! OfficeHours(["07:30", "16:30"]))
