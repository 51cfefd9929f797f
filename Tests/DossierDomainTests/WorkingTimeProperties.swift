import DossierDomain
import PropertyBased
import Testing

/// Instants from 2025-01-01 to 2026-06-30 local, to the minute, so every result stays in the
/// loaded calendar years.
let instants = Gen.int64(in: 0...(545 * 24 * 60)).map { minutes in
    t("2025-01-01 00:00") + minutes * 60_000_000
}
/// Working time up to 25 working days, to the minute.
let workingMinutes = Gen.int64(in: 0...(200 * 60)).map { $0 * 60_000_000 }
let schedules = Gen.oneOf(Gen.always(standard), Gen.always(shortMorning), Gen.always(earlyClosing), Gen.always(noLunch))

struct WorkingTimeProperties {
    @Test("advance and W are inverse: W(s, advance(s, h)) = h")
    func inverse() async {
        await propertyCheck(input: schedules, instants, workingMinutes) { schedule, s, h in
            let end = try schedule.advance(s, by: h)
            let measured = try schedule.workingTime(from: s, to: end)
            #expect(end >= s)
            #expect(measured == h)
        }
    }

    @Test("W is additive: W(a, c) = W(a, b) + W(b, c) for a ≤ b ≤ c")
    func additive() async {
        await propertyCheck(input: schedules, instants, instants, instants) { schedule, x, y, z in
            let sorted = [x, y, z].sorted()
            let (a, b, c) = (sorted[0], sorted[1], sorted[2])
            let whole = try schedule.workingTime(from: a, to: c)
            let parts = try schedule.workingTime(from: a, to: b) + schedule.workingTime(from: b, to: c)
            #expect(whole == parts)
        }
    }

    @Test("advance by a positive time and every due land inside office hours of a working day")
    func duesInOfficeHours() async {
        let limits = Gen.oneOf(
            Gen.int(in: 1...20).map { Limit.workingDays($0) },
            Gen.int(in: 1...60).map { Limit.calendarDays($0) },
            Gen.int(in: 1...80).map { Limit.hours(Double($0) / 2) },
            Gen.always(Limit.sameDay))
        await propertyCheck(input: schedules, instants, limits) { schedule, s, limit in
            let due = try schedule.due(from: s, limit: limit)
            let working = try schedule.isWorkingDay(due.localDate)
            #expect(due > s)
            #expect(working)
            let minute = due.localMicrosecondOfDay
            // Inside an interval, its end included (the earliest instant reaching the time).
            #expect(schedule.hours.intervals.contains { $0.lowerBound < minute && minute <= $0.upperBound })
        }
    }

    @Test("timestamps print and parse back to the same instant")
    func timestampRoundTrip() async {
        await propertyCheck(input: instants, Gen.int64(in: 0...999_999)) { instant, micros in
            let value = instant + micros
            let parsed = try Instant(rfc3339: value.description)
            #expect(parsed == value)
        }
    }

    @Test("malformed timestamps are refused with the reason", arguments: [
        ("2025-03-04T09:12+07:00", TimestampError.missingSeconds),
        ("2025-03-04T09:12:00", .missingOffset),
        ("2025-03-04 09:12:00+07:00", .malformed),
        ("2025-03-04T09:12:00.1234567Z", .tooManyFractionDigits),
        ("2025-02-29T09:12:00Z", .outOfRange),
        ("2025-03-04T24:00:00Z", .outOfRange),
    ])
    func malformedTimestamps(_ text: String, _ reason: TimestampError) {
        #expect(throws: reason) { try Instant(rfc3339: text) }
    }
}
