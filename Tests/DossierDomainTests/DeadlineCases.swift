import DossierDomain
import Testing

/// Hand-computed cases from deadlines.md. Standard hours unless named: 07:00–11:30, 13:30–17:00
/// (8 h). Calendar facts used: 2025 Tết 27–31/01 off; 07/04, 30/04, 01–02/05, 01–02/09 off;
/// Saturday 26/04/2025 worked. 2026: 01–02/01 off, Saturday 10/01 worked, Tết 16–20/02 off,
/// 27/04, 30/04, 01/05 off, Saturday 22/08 worked, 31/08–02/09 off, 24/11 off.
struct DeadlineCases {
    // MARK: W(a, b)

    static let workingTimeCases: [(String, WorkSchedule, Instant, Instant, Double)] = [
        // 07:00–11:30 (4.5) + 13:30–17:00 (3.5) = 8
        ("a full Monday", standard, t("2025-03-03 07:00"), t("2025-03-03 17:00"), 8),
        // 10:30–11:30 (1) + 13:30–14:30 (1) = 2: the lunch break does not count
        ("across lunch", standard, t("2025-03-04 10:30"), t("2025-03-04 14:30"), 2),
        // 12:00–13:00 lies wholly in the lunch break = 0
        ("inside lunch", standard, t("2025-03-04 12:00"), t("2025-03-04 13:00"), 0),
        // Fri 16:00–17:00 (1) + Mon 07:00–08:00 (1) = 2
        ("over a weekend", standard, t("2025-03-07 16:00"), t("2025-03-10 08:00"), 2),
        // Saturday 08/03 and Sunday 09/03/2025 are not working days = 0
        ("a plain weekend", standard, t("2025-03-08 09:00"), t("2025-03-09 12:00"), 0),
        // Fri 24/01 16–17 (1) + Tết 27–31/01 off + Mon 03/02 07–08 (1) = 2
        ("over Tết 2025", standard, t("2025-01-24 16:00"), t("2025-02-03 08:00"), 2),
        // Fri 25/04 16–17 (1) + Sat 26/04/2025 worked 07–09 (2) = 3
        ("into the swapped Saturday 26/04/2025", standard, t("2025-04-25 16:00"), t("2025-04-26 09:00"), 3),
        // Tue 29/04 (8) + 30/04, 01/05, 02/05 off + weekend = 8
        ("over 30/04–01/05 2025", standard, t("2025-04-29 07:00"), t("2025-05-05 07:00"), 8),
        // b ≤ a gives 0
        ("reversed", standard, t("2025-03-04 10:00"), t("2025-03-04 09:00"), 0),
        // Mon 23/11 16–17 (1) + Tue 24/11/2026 off + Wed 25/11 07–08 (1) = 2
        ("over 24/11/2026", standard, t("2026-11-23 16:00"), t("2026-11-25 08:00"), 2),
        // Fri 09/01 16–17 (1) + Sat 10/01/2026 worked, whole day (8) = 9
        ("into the swapped Saturday 10/01/2026", standard, t("2026-01-09 16:00"), t("2026-01-10 17:00"), 9),
        // Fri 13/02 16–17 (1) + Tết 16–20/02/2026 off + Mon 23/02 07–08 (1) = 2
        ("over Tết 2026", standard, t("2026-02-13 16:00"), t("2026-02-23 08:00"), 2),
        // 07:00–11:00 (4) + 13:30–17:00 (3.5) = 7.5
        ("a 7.5-hour unit's day", shortMorning, t("2025-03-03 00:00"), t("2025-03-04 00:00"), 7.5),
        // Wed 31/12 16–17 (1) + 01/01, 02/01/2026 off + weekend + Mon 05/01 07–08 (1) = 2
        ("over new year 2026", standard, t("2025-12-31 16:00"), t("2026-01-05 08:00"), 2),
        // one interval 07:30–16:30: 07:30–12:00 = 4.5
        ("a unit without lunch break", noLunch, t("2025-03-03 07:00"), t("2025-03-03 12:00"), 4.5),
    ]

    @Test("W(a, b) by hand", arguments: workingTimeCases)
    func workingTime(_ name: String, _ schedule: WorkSchedule, _ a: Instant, _ b: Instant, _ expected: Double) throws {
        #expect(try schedule.workingTime(from: a, to: b) == hours(expected), "\(name)")
    }

    // MARK: advance(s, h)

    static let advanceCases: [(String, WorkSchedule, Instant, Double, Instant)] = [
        // 07:00 + 4.5 → 11:30, + 3.5 → 17:00 (the spec's own example)
        ("8 hours from Monday 07:00", standard, t("2025-03-03 07:00"), 8, t("2025-03-03 17:00")),
        // 10:30 + 1 → 11:30, then 13:30 + 1 → 14:30 (the spec's own example)
        ("2 hours from 10:30", standard, t("2025-03-04 10:30"), 2, t("2025-03-04 14:30")),
        // nothing left before lunch; 13:30 + 1 → 14:30
        ("1 hour from 11:30", standard, t("2025-03-04 11:30"), 1, t("2025-03-04 14:30")),
        // Fri 16–17 (1), Mon 07:00 + 1 → 08:00
        ("over a weekend", standard, t("2025-03-07 16:00"), 2, t("2025-03-10 08:00")),
        // from a Saturday: Monday 07:00 + 1 → 08:00
        ("from a weekend day", standard, t("2025-03-08 10:00"), 1, t("2025-03-10 08:00")),
        // Fri 24/01 16–17 (1), Tết 27–31/01, Mon 03/02 07:00 + 1 → 08:00
        ("over Tết 2025", standard, t("2025-01-24 16:00"), 2, t("2025-02-03 08:00")),
        // Fri 16–17 (1), Sat 26/04/2025 07:00 + 2 → 09:00
        ("into the swapped Saturday 26/04/2025", standard, t("2025-04-25 16:00"), 3, t("2025-04-26 09:00")),
        // Tue 29/04 16–17 (1), 30/04–04/05 off, Mon 05/05 07:00 + 1 → 08:00
        ("over 30/04–01/05 2025", standard, t("2025-04-29 16:00"), 2, t("2025-05-05 08:00")),
        // h = 0 gives s itself, even in the lunch break
        ("zero hours", standard, t("2025-03-04 12:00"), 0, t("2025-03-04 12:00")),
        // Mon 16:30–17:00 (0.5), Tue 24/11/2026 off, Wed 07:00 + 0.5 → 07:30
        ("over 24/11/2026", standard, t("2026-11-23 16:30"), 1, t("2026-11-25 07:30")),
        // Fri 21/08 16–17 (1), Sat 22/08/2026 worked 07:00 + 4 → 11:00
        ("into the swapped Saturday 22/08/2026", standard, t("2026-08-21 16:00"), 5, t("2026-08-22 11:00")),
        // 07:00 + 4.5 ends exactly at 11:30: the earliest such instant, not 13:30
        ("ending at the lunch break", standard, t("2025-03-03 07:00"), 4.5, t("2025-03-03 11:30")),
        // 16:00 + 1 → 17:00 on 31/12/2025, still inside 2025
        ("to the last closing of 2025", standard, t("2025-12-31 16:00"), 1, t("2025-12-31 17:00")),
        // 31/12 16–17 (1), 01–02/01/2026 off, weekend, Mon 05/01 07:00 + 1 → 08:00
        ("over new year 2026", standard, t("2025-12-31 16:00"), 2, t("2026-01-05 08:00")),
    ]

    @Test("advance(s, h) by hand", arguments: advanceCases)
    func advance(_ name: String, _ schedule: WorkSchedule, _ s: Instant, _ h: Double, _ expected: Instant) throws {
        #expect(try schedule.advance(s, by: hours(h)) == expected, "\(name)")
    }

    @Test("a unit's own closed day is skipped")
    func unitClosedDay() throws {
        var calendar = WorkingCalendar.vietnam
        calendar.addClosedDays([LocalDate(year: 2025, month: 3, day: 5)], unit: "X")
        let unitX = WorkSchedule(calendar: calendar, unit: "X")
        // Tue 16–17 (1), Wed 05/03 closed for X, Thu 07:00 + 1 → 08:00
        #expect(try unitX.advance(t("2025-03-04 16:00"), by: hours(2)) == t("2025-03-06 08:00"))
        // Other units work on 05/03: Tue 16–17 (1), Wed 07:00 + 1 → 08:00
        #expect(try standard.advance(t("2025-03-04 16:00"), by: hours(2)) == t("2025-03-05 08:00"))
    }

    @Test("reaching a year with no notice is an error naming the year, never 'no holidays'")
    func missingYear() {
        // 31/12/2026 16–17 (1), then 2027: not loaded
        #expect(throws: CalendarError.yearNotLoaded(2027)) {
            try standard.advance(t("2026-12-31 16:00"), by: hours(2))
        }
        // 15/12/2026 + 30 calendar days = 14/01/2027
        #expect(throws: CalendarError.yearNotLoaded(2027)) {
            try standard.due(from: t("2026-12-15 10:00"), limit: .calendarDays(30))
        }
        #expect(CalendarError.yearNotLoaded(2027).description.contains("2027"))
    }

    // MARK: The dossier's due

    static let dueCases: [(String, WorkSchedule, Instant, Limit, Instant)] = [
        // 09:12–11:30 (2:18), 13:30 + 1:42 → 15:12
        ("4 hours", standard, t("2025-03-04 09:12"), .hours(4), t("2025-03-04 15:12")),
        // 24 h: Tue 09:12–17:00 (5:48), Wed 8, Thu 8 (21:48), Fri 07:00 + 2:12 → 09:12
        ("3 working days", standard, t("2025-03-04 09:12"), .workingDays(3), t("2025-03-07 09:12")),
        // 8 h: Fri 24/01 10:00–17:00 (5), Tết, Mon 03/02 07:00 + 3 → 10:00
        ("1 working day over Tết 2025", standard, t("2025-01-24 10:00"), .workingDays(1), t("2025-02-03 10:00")),
        // 16 h: Fri 25/04 14–17 (3), Sat 26/04 worked (8) = 11, Mon 28/04 07:00–11:30 (4.5), 13:30 + 0.5 → 14:00
        ("2 working days over the swapped Saturday 2025", standard, t("2025-04-25 14:00"), .workingDays(2), t("2025-04-28 14:00")),
        // 40 h: Mon 28/04 08–17 (7), Tue 29/04 (8) = 15, 30/04–04/05 off, Mon 05/05, Tue, Wed (24) = 39, Thu 08/05 07:00 + 1 → 08:00
        ("5 working days over 30/04–01/05", standard, t("2025-04-28 08:00"), .workingDays(5), t("2025-05-08 08:00")),
        // L = 7.5: 22.5 h = Mon, Tue, Wed whole days → Wed 17:00
        ("3 working days of a 7.5-hour unit", shortMorning, t("2025-03-03 07:00"), .workingDays(3), t("2025-03-05 17:00")),
        // L = 7.5: Mon 10–11 (1) + 13:30–17 (3.5) = 4.5, Tue 07:00 + 3 → 10:00
        ("1 working day of a 7.5-hour unit", shortMorning, t("2025-03-03 10:00"), .workingDays(1), t("2025-03-04 10:00")),
        // working day, 09:00 ≤ 15:00 → that day's closing time
        ("same day, morning", standard, t("2025-03-04 09:00"), .sameDay, t("2025-03-04 17:00")),
        // exactly 15:00 is "at or before 15:00"
        ("same day, at 15:00", standard, t("2025-03-04 15:00"), .sameDay, t("2025-03-04 17:00")),
        // 15:01 is after 15:00 → next working day's closing time
        ("same day, at 15:01", standard, t("2025-03-04 15:01"), .sameDay, t("2025-03-05 17:00")),
        // Friday after 15:00 → Monday 17:00
        ("same day, Friday afternoon", standard, t("2025-03-07 16:00"), .sameDay, t("2025-03-10 17:00")),
        // Saturday 08/03/2025 is not a working day → Monday 17:00
        ("same day, received on a Saturday", standard, t("2025-03-08 09:00"), .sameDay, t("2025-03-10 17:00")),
        // Saturday 26/04/2025 is a working day → that day 17:00
        ("same day, on the swapped Saturday 2025", standard, t("2025-04-26 09:00"), .sameDay, t("2025-04-26 17:00")),
        // Fri 24/01 after 15:00, Tết → Mon 03/02 17:00
        ("same day before Tết 2025", standard, t("2025-01-24 15:30"), .sameDay, t("2025-02-03 17:00")),
        // 15:00 threshold is fixed; the unit closes at 16:30
        ("same day, unit closing 16:30", earlyClosing, t("2025-03-04 15:00"), .sameDay, t("2025-03-04 16:30")),
        // 04/03 + 15 = 19/03/2025 (Wednesday) → 17:00
        ("15 calendar days", standard, t("2025-03-04 09:12"), .calendarDays(15), t("2025-03-19 17:00")),
        // 25/04 + 5 = 30/04 off, 01/05, 02/05 off, weekend → Mon 05/05 17:00
        ("5 calendar days landing on 30/04", standard, t("2025-04-25 10:00"), .calendarDays(5), t("2025-05-05 17:00")),
        // 24/04 + 2 = Sat 26/04/2025, a working Saturday → 17:00
        ("2 calendar days landing on the swapped Saturday", standard, t("2025-04-24 10:00"), .calendarDays(2), t("2025-04-26 17:00")),
        // 23/11 + 1 = 24/11/2026 off → 25/11 17:00
        ("1 calendar day landing on 24/11/2026", standard, t("2026-11-23 10:00"), .calendarDays(1), t("2026-11-25 17:00")),
        // 13/02 + 3 = 16/02/2026 (Tết) … 20/02 off, weekend → Mon 23/02 17:00
        ("3 calendar days landing in Tết 2026", standard, t("2026-02-13 10:00"), .calendarDays(3), t("2026-02-23 17:00")),
        // Fri 09/01 15–17 (2), Sat 10/01/2026 worked: 07:00–11:30 (4.5) = 6.5, 13:30 + 1.5 → 15:00
        ("8 hours into the swapped Saturday 2026", standard, t("2026-01-09 15:00"), .hours(8), t("2026-01-10 15:00")),
        // 16 h: Thu 20/08 13:30–17 (3.5), Fri (8) = 11.5, Sat 22/08/2026 07:00 + 4.5 → 11:30
        ("2 working days into the swapped Saturday 2026", standard, t("2026-08-20 13:30"), .workingDays(2), t("2026-08-22 11:30")),
        // 8 h: Fri 28/08 09–17 (6), 31/08–02/09/2026 off, Thu 03/09 07:00 + 2 → 09:00
        ("1 working day over Quốc khánh 2026", standard, t("2026-08-28 09:00"), .workingDays(1), t("2026-09-03 09:00")),
        // a supplement received Mon 10/03 08:00 restarts 3 working days: Mon 08–17 (7), Tue, Wed (16) = 23, Thu 07:00 + 1 → 08:00
        ("restart from a supplement's arrival", standard, t("2025-03-10 08:00"), .workingDays(3), t("2025-03-13 08:00")),
    ]

    @Test("the dossier's legal due by hand", arguments: dueCases)
    func due(_ name: String, _ schedule: WorkSchedule, _ start: Instant, _ limit: Limit, _ expected: Instant) throws {
        #expect(try schedule.due(from: start, limit: limit) == expected, "\(name)")
    }

    // MARK: Step 0

    static let firstStepCases: [(String, Instant, Instant)] = [
        // working day, 09:12 ≤ 15:00 → closing time 17:00
        ("received in the morning", t("2025-03-04 09:12"), t("2025-03-04 17:00")),
        // after 15:00 → end of the first interval of the next working day: Wed 11:30
        ("received after 15:00", t("2025-03-04 15:30"), t("2025-03-05 11:30")),
        // Friday 24/01 after 15:00, Tết → Mon 03/02 11:30
        ("received before Tết 2025", t("2025-01-24 16:00"), t("2025-02-03 11:30")),
        // a Saturday is not a working day, even before 15:00 → Mon 11:30
        ("received on a Saturday", t("2025-03-08 10:00"), t("2025-03-10 11:30")),
    ]

    @Test("step 0's due by hand", arguments: firstStepCases)
    func firstStep(_ name: String, _ received: Instant, _ expected: Instant) throws {
        #expect(try standard.firstStepDue(receivedAt: received) == expected, "\(name)")
    }

    @Test("a timestamp in another offset is the same instant")
    func offsets() throws {
        // 02:12Z = 09:12+07:00; 2 hours → 11:12
        let utc = try Instant(rfc3339: "2025-03-04T02:12:00Z")
        #expect(utc == t("2025-03-04 09:12"))
        #expect(try standard.advance(utc, by: hours(2)) == t("2025-03-04 11:12"))
        #expect(utc.description == "2025-03-04T09:12:00+07:00")
    }
}
