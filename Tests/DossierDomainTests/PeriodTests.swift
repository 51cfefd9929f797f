import DossierDomain
import Foundation
import PropertyBased
import Testing

struct PeriodTests {
    static let cases: [(String, Bool, String, String)] = [
        // text, cut-off on the 15th, first day, last day
        ("2025-07", false, "2025-07-01", "2025-07-31"),
        ("2024-02", false, "2024-02-01", "2024-02-29"),          // leap year
        ("2025-Q3", false, "2025-07-01", "2025-09-30"),
        ("2025-Q1", false, "2025-01-01", "2025-03-31"),
        ("2025", false, "2025-01-01", "2025-12-31"),
        ("2025-07-10..2025-08-05", false, "2025-07-10", "2025-08-05"),
        ("2025-07", true, "2025-06-15", "2025-07-14"),           // month: 15th before to the 14th
        ("2025-01", true, "2024-12-15", "2025-01-14"),
        ("2025-Q3", true, "2025-06-15", "2025-09-14"),           // quarter ends on the 14th of its last month
        ("2025-Q1", true, "2024-12-15", "2025-03-14"),
        ("2025", true, "2024-12-15", "2025-12-14"),              // year: 15 December to 14 December
    ]

    @Test("periods and the 15th cut-off", arguments: cases)
    func parse(_ text: String, _ cutOff: Bool, _ first: String, _ last: String) throws {
        let period = try Period.parse(text, cutOff15th: cutOff)
        #expect(period.firstDay == LocalDate(parsing: first))
        #expect(period.lastDay == LocalDate(parsing: last))
        #expect(period.start == t("\(first) 00:00"))
        #expect(period.contains(t("\(last) 23:59")))
        #expect(!period.contains(period.end))
    }

    @Test("a bad period names the accepted forms", arguments: ["2025-13", "2025-Q5", "25-Q1", "2025-07-01..2025-06-01", "last month"])
    func bad(_ text: String) {
        let error = #expect(throws: PeriodError.self) { try Period.parse(text) }
        #expect(error?.description.contains("2025-Q3") == true)
    }

    @Test("the population: received before the end and not finished before the start")
    func population() throws {
        let q1 = try Period.parse("2025-Q1")
        var carried = Story()
        carried.received("2024-12-30 09:00")                      // received before, open into Q1
        #expect(try carried.state().isInPopulation(of: q1))
        carried.processed("2024-12-31 10:00")                     // finished before Q1 starts
        #expect(try !carried.state().isInPopulation(of: q1))
        var later = Story()
        later.received("2025-04-01 00:00")                        // received at the end instant: outside
        #expect(try !later.state().isInPopulation(of: q1))
        var inside = Story()
        inside.received("2025-03-31 16:00")
        inside.processed("2025-04-02 10:00")                      // finished after: counts, open at the end
        #expect(try inside.state().isInPopulation(of: q1))
    }
}

struct PeriodOutcomeTests {
    let march = try! Period.parse("2025-03")

    @Test("finished in the period: its class; finished after the end: open at the end")
    func finishedOrOpen() throws {
        var early = Story()
        early.received("2025-03-04 09:12")                        // due Fri 07/03 09:12
        early.processed("2025-03-06 15:30")
        #expect(try early.state().outcome(in: march, rules: rules)?.bucket == .early)

        var lateAfterEnd = Story()
        lateAfterEnd.received("2025-03-27 09:00")                 // 3 working days: Thu 27 09:00 → Tue 01/04 09:00
        lateAfterEnd.processed("2025-04-02 10:00")                // finished after the period end
        let outcome = try #require(try lateAfterEnd.state().outcome(in: march, rules: rules))
        #expect(outcome.bucket == .openInTime)                    // at 01/04 00:00 the due had not passed
        #expect(outcome.receivedInPeriod)

        var overdueAtEnd = Story()
        overdueAtEnd.received("2025-03-24 09:00")                 // due Thu 27/03 09:00
        #expect(try overdueAtEnd.state().outcome(in: march, rules: rules)?.bucket == .openOverdue)
        #expect(try overdueAtEnd.state().outcome(in: march, rules: rules)?.countsAsOnTime == false)
    }

    @Test("waiting at the end is in time and marked waiting; withdrawn is marked among the finished")
    func subsets() throws {
        var waiting = Story()
        waiting.received("2025-03-03 09:00")
        waiting.requested("2025-03-04 09:00")
        let outcome = try #require(try waiting.state().outcome(in: march, rules: rules))
        #expect(outcome.bucket == .openInTime && outcome.waiting)

        var withdrawn = Story()
        withdrawn.received("2025-03-03 09:00")                    // due Thu 06/03 09:00
        withdrawn.add("2025-03-05 10:00", .withdrawn, actor: "citizen")
        let w = try #require(try withdrawn.state().outcome(in: march, rules: rules))
        #expect(w.bucket == .early && w.withdrawn)
        #expect(try withdrawn.state().outcome(in: try Period.parse("2025-04"), rules: rules) == nil)  // finished before April
    }
}

struct LateEntryTests {
    @Test("an open overdue dossier: hours overdue at T and the holder at T")
    func openOverdue() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                        // due Fri 07/03 09:12
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.apology("2025-03-06 16:00", newDue: "2025-03-11 17:00")
        let at = t("2025-03-10 09:00")
        let entry = try #require(try story.state().lateEntry(at: at, rules: rules))
        // Fri 09:12–11:30 (2:18) + 13:30–17:00 (3:30) + Mon 07:00–09:00 (2:00) = 7:48 = 7.8 h
        #expect(entry.hoursOverdue == 7.8)
        #expect(entry.holderActor == "cv.02" && entry.holderUnit == "TP")
        #expect(entry.apology && entry.rescheduledDue == t("2025-03-11 17:00"))
        #expect(entry.due == t("2025-03-07 09:12"))
        #expect(try story.state().lateEntry(at: t("2025-03-07 09:12"), rules: rules) == nil)  // not after the due yet
    }

    @Test("finished late dossiers only on request, with their overrun and holder at the finish; order by hours")
    func finishedLate() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.processed("2025-03-07 16:00")                       // 09:12–11:30 (2:18) + 13:30–16:00 (2:30) = 4.8 h late
        let state = try story.state()
        #expect(try state.lateEntry(at: t("2025-03-20 00:00"), rules: rules) == nil)
        let entry = try #require(try state.lateEntry(at: t("2025-03-20 00:00"), rules: rules, includeFinished: true))
        #expect(entry.hoursOverdue == 4.8)
        #expect(entry.onTimeClass == .late && entry.finished == t("2025-03-07 16:00"))
        var longer = entry
        longer.dossier = "B"
        longer.overdue += 1
        var tie = entry
        tie.dossier = "Z"
        #expect(LateEntry.ordered([tie, entry, longer]).map(\.dossier) == ["B", entry.dossier, "Z"])
    }
}

/// The slots the views keep figures for tile time, and each is the period its label parses to.
struct PeriodSlotProperties {
    /// Any minute from 1990 to 2060, local time.
    static let minutes = Gen.int64(in: 0...(70 * 366 * 24 * 60)).map { Instant(localDate: LocalDate(year: 1990, month: 1, day: 1), microsecondOfDay: 0) + $0 * 60_000_000 }
    static let kinds = Gen.int(in: 0...(PeriodSlot.Kind.allCases.count - 1)).map { PeriodSlot.Kind.allCases[$0] }

    @Test("every instant is in exactly its slot: inside its period, outside its neighbours'")
    func tiles() async {
        await propertyCheck(input: Self.kinds, Self.minutes) { kind, instant in
            let slot = PeriodSlot(kind, holding: instant)
            #expect(slot.span.contains(instant))
            #expect(!PeriodSlot(kind: kind, index: slot.index - 1).span.contains(instant))
            #expect(!PeriodSlot(kind: kind, index: slot.index + 1).span.contains(instant))
            #expect(PeriodSlot(kind: kind, index: slot.index + 1).span.start == slot.span.end)
        }
    }

    @Test("a slot's period is what its label parses to, and that period is found as the slot again")
    func labels() async throws {
        await propertyCheck(input: Self.kinds, Self.minutes) { kind, instant in
            let period = PeriodSlot(kind, holding: instant).period()
            let label = period.label.replacingOccurrences(of: Period.cutOff15thSuffix, with: "")
            let parsed = try Period.parse(label, cutOff15th: period.label.hasSuffix(Period.cutOff15thSuffix))
            #expect((parsed.start, parsed.end, parsed.label) == (period.start, period.end, period.label))
            #expect(PeriodSlot(parsed) == PeriodSlot(kind, holding: instant))
        }
        #expect(PeriodSlot(try Period.parse("2025-07-10..2025-08-05")) == nil)
        #expect(PeriodSlot(try Period.parse("2025-07-01..2025-07-31")) == PeriodSlot(try Period.parse("2025-07")))
    }
}
