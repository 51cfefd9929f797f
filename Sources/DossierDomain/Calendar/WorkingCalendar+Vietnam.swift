extension WorkingCalendar {
    /// Vietnam's civil-service calendar for 2021–2026, from the notices in calendar-vn.md.
    /// Later years are added by the operator from their notice (a calendar file), never assumed.
    public static let vietnam = WorkingCalendar(years: vietnamYears)

    // The data of calendar-vn.md: (year, notice, weekdays off "dd/MM", Saturdays worked "dd/MM").
    static let vietnamTable: [(Int, String, [String], [String])] = [
        (2021, "annual notice", ["01/01", "10/02", "11/02", "12/02", "15/02", "16/02", "21/04", "30/04", "03/05", "02/09", "03/09"], []),
        (2022, "annual notice", ["03/01", "31/01", "01/02", "02/02", "03/02", "04/02", "11/04", "02/05", "03/05", "01/09", "02/09"], []),
        (2023, "annual notice", ["02/01", "20/01", "23/01", "24/01", "25/01", "26/01", "01/05", "02/05", "03/05", "01/09", "04/09"], []),
        (2024, "TB 5015/TB-LĐTBXH, TB 1570/TB-LĐTBXH",
         ["01/01", "08/02", "09/02", "12/02", "13/02", "14/02", "18/04", "29/04", "30/04", "01/05", "02/09", "03/09"], ["04/05"]),
        (2025, "TB 6150/TB-BLĐTBXH",
         ["01/01", "27/01", "28/01", "29/01", "30/01", "31/01", "07/04", "30/04", "01/05", "02/05", "01/09", "02/09"], ["26/04"]),
        (2026, "TB 9441/TB-BNV; CV 12729/VPCP-KGVX; CV 3383/BNV-CVL",
         ["01/01", "02/01", "16/02", "17/02", "18/02", "19/02", "20/02", "27/04", "30/04", "01/05", "31/08", "01/09", "02/09", "24/11"],
         ["10/01", "22/08"]),
    ]

    static var vietnamYears: [CalendarYear] {
        vietnamTable.map { year, notice, off, worked in
            func dates(_ list: [String]) -> [LocalDate] {
                list.map { dayMonth in
                    let parts = dayMonth.split(separator: "/")
                    // The table above is fixed data; a typo in it is a programmer error.
                    guard let d = Int(parts[0]), let m = Int(parts[1]) else { preconditionFailure("bad date \(dayMonth) in the calendar table") }
                    return LocalDate(year: year, month: m, day: d)
                }
            }
            do {
                return try CalendarYear(year: year, notice: notice, daysOff: dates(off), saturdaysWorked: dates(worked))
            } catch {
                preconditionFailure("the built-in calendar for \(year) is invalid: \(error)")
            }
        }
    }
}
