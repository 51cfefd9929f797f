import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Projections
import Testing
import Views

/// The rules of the spec of 2026-12-05 worked out by hand on a second small province (the
/// catalog, units and hours of ``Scenario``: 07:00–11:30 and 13:30–17:00, P3 = 24 working hours;
/// March 2025 has no holidays; 2025-03-08/09 and 15/16 are a weekend).
///
/// - SA received Wed 03-05 15:00 → due Mon 03-10 15:00 (Wed 2 + Thu 8 + Fri 8 + Mon 4.5 + 1.5).
/// - SB received Mon 03-03 11:00 → due Thu 03-06 11:00 (Mon 0.5 + 3.5 + Tue 8 + Wed 8 + Thu 4).
/// - SC received Fri 03-07 09:00 → due Wed 03-12 09:00 (Fri 2.5 + 3.5 + Mon 8 + Tue 8 + Wed 2).
/// - SD received Wed 03-05 15:00 (due as SA), supplement requested Fri 03-07 10:00: waiting.
/// - SE received Mon 03-03 09:00 → due Thu 03-06 09:00.
/// - SH received Thu 03-27 09:00 → due Tue 04-01 09:00 (Thu 6 + Fri 8 + Mon 8 + Tue 2).
/// - SI received Mon 03-24 09:00, processed Mon 03-31 10:00, returned Tue 04-01 08:00.
/// - SJ received Mon 03-17 09:00, processed Tue 03-18 10:00, returned Tue 03-18 14:00.
/// - SK received Mon 03-17 09:00, stopped Wed 03-19 10:00, never returned.
/// - SL received Mon 03-17 09:00 by cb.a, forwarded 09:30 to the wrong officer, voided by cb.a
///   at 09:45, forwarded again 09:50 to cv.a.
/// - SM received Mon 03-17 10:00 by cb.b, voided by cb.b at 10:05: created by mistake.
/// - SN received Mon 03-17 09:00 by cb.c → due Thu 03-20 09:00; forwarded 09:30 to cv.r (no step
///   due of its own); apology by cv.r Tue 03-18 09:00 (in time: before Wed 17:00); processed by
///   cv.r Fri 03-21 09:00, late: the due passed while cv.r held it.
enum NewRulesScenario {
    static var events: [DossierEvent] {
        var events: [DossierEvent] = []
        func add(_ dossier: String, _ at: String, _ actor: String, _ body: EventBody) {
            events.append(DossierEvent(id: "\(dossier)-\(events.count)", dossier: dossier, at: Scenario.t(at), actor: actor, unit: "C1", body: body))
        }
        func received(_ dossier: String, _ at: String, by actor: String = "cb.a") {
            add(dossier, at, actor, .received(Received(procedure: "P3", channel: .direct)))
        }
        func forwarded(_ dossier: String, _ at: String, to officer: String, by actor: String = "cb.a") {
            add(dossier, at, actor, .forwarded(Forwarded(toUnit: "C1", toActor: officer)))
        }
        received("SA", "2025-03-05 15:00")
        received("SB", "2025-03-03 11:00")
        received("SC", "2025-03-07 09:00")
        received("SD", "2025-03-05 15:00")
        add("SD", "2025-03-07 10:00", "cv.a", .supplementRequested(SupplementRequested(reason: "copy")))
        received("SE", "2025-03-03 09:00")
        received("SH", "2025-03-27 09:00")
        received("SI", "2025-03-24 09:00")
        add("SI", "2025-03-31 10:00", "cb.a", .processed(Processed(outcome: .approved)))
        add("SI", "2025-04-01 08:00", "cb.a", .returned(Returned(via: .desk)))
        received("SJ", "2025-03-17 09:00")
        add("SJ", "2025-03-18 10:00", "cb.a", .processed(Processed(outcome: .approved)))
        add("SJ", "2025-03-18 14:00", "cb.a", .returned(Returned(via: .desk)))
        received("SK", "2025-03-17 09:00")
        add("SK", "2025-03-19 10:00", "cb.a", .stopped(Stopped(reason: "not eligible")))
        received("SL", "2025-03-17 09:00")
        forwarded("SL", "2025-03-17 09:30", to: "cv.wrong")
        add("SL", "2025-03-17 09:45", "cb.a", .voided(Voided(target: "SL-\(events.count - 1)", reason: "wrong officer")))
        forwarded("SL", "2025-03-17 09:50", to: "cv.a")
        received("SM", "2025-03-17 10:00", by: "cb.b")
        add("SM", "2025-03-17 10:05", "cb.b", .voided(Voided(target: "SM-\(events.count - 1)", reason: "created twice")))
        received("SN", "2025-03-17 09:00", by: "cb.c")
        forwarded("SN", "2025-03-17 09:30", to: "cv.r", by: "cb.c")
        add("SN", "2025-03-18 09:00", "cv.r", .apologyIssued(ApologyIssued(newDue: Scenario.t("2025-03-21 17:00"), reason: "verification")))
        add("SN", "2025-03-21 09:00", "cv.r", .processed(Processed(outcome: .approved)))
        return events
    }

    static func inspector() async throws -> Inspector {
        try await Scenario.inspector("rules", events: events)
    }
}

@Suite(.temporaryDirectory)
struct NewRulesScenarioTests {
    let march = Period(from: LocalDate(year: 2025, month: 3, day: 1), through: LocalDate(year: 2025, month: 3, day: 31), label: "2025-03")

    @Test("due soon across a weekend and across a lunch break, least time left first; waiting and overdue ones are not listed")
    func dueSoon() async throws {
        let inspector = try await NewRulesScenario.inspector()
        // Fri 03-07 16:00: SA has Fri 16–17 (1) + Mon 07:00–11:30 (4.5) + 13:30–15:00 (1.5) = 7 h left.
        // SC has 19 h (Fri 1 + Mon 8 + Tue 8 + Wed 2); SD waits; SB and SE are overdue.
        let friday = try await inspector.dueSoonList(asOf: Scenario.t("2025-03-07 16:00"))
        #expect(friday.rows.map(\.dossier) == ["SA"])
        #expect(friday.rows.first?.hoursRemaining == 7)
        let wider = try await inspector.dueSoonList(asOf: Scenario.t("2025-03-07 16:00"), within: 20)
        #expect(wider.rows.map(\.dossier) == ["SA", "SC"] && wider.rows.last?.hoursRemaining == 19)
        // Wed 03-05 12:00, in the lunch break: SE has 13:30–17:00 (3.5) + Thu 07:00–09:00 (2) = 5.5 h;
        // SB has 3.5 + Thu 07:00–11:00 (4) = 7.5 h.
        let lunch = try await inspector.dueSoonList(asOf: Scenario.t("2025-03-05 12:00"))
        #expect(lunch.rows.map(\.dossier) == ["SE", "SB"])
        #expect(lunch.rows.map(\.hoursRemaining) == [5.5, 7.5])
        // At 11:00 on Thu SE is 2 h overdue (in the late list), SB is due at this very instant: 0 h left.
        let thursday = try await inspector.dueSoonList(asOf: Scenario.t("2025-03-06 11:00"))
        #expect(thursday.rows.map(\.dossier) == ["SB"] && thursday.rows.first?.remaining == 0)
        #expect(try await inspector.lateList(asOf: Scenario.t("2025-03-06 11:00")).rows.map(\.dossier) == ["SE"])
    }

    @Test("rates of March: due_soon and not_returned across the period end; a dossier created by mistake counts nowhere")
    func rateSubsets() async throws {
        let inspector = try await NewRulesScenario.inspector()
        let total = try #require(try await inspector.onTimeRates(period: march, by: .competentUnit).rows.last)
        // Population: SA SB SC SD SE SH SI SJ SK SL SN = 11 (SM's only event was voided).
        #expect(total.population == 11)
        // At Tue 04-01 00:00 only SH is open in time, not waiting, and due within 8 h (Tue 07:00–09:00 = 2 h).
        #expect(total.dueSoon == 1)
        // Finished in March: SI (returned 04-01, after the end), SJ (returned 03-18), SK (stopped, never returned), SN (never returned).
        #expect(total.notReturned == 3)
        #expect(total.waiting == 1)  // SD
        // The online rate counts receipts: SM's voided receipt no longer counts (11 received, all direct).
        let online = try #require(try await inspector.onlineRates(period: march).rows.last)
        #expect(online.counts.total == 11 && online.counts.direct == 11)
    }

    @Test("entries_voided by the voided event's actor; a legal due missed keeps an officer off the reward list")
    func accountability() async throws {
        let inspector = try await NewRulesScenario.inspector()
        let rows = try await inspector.accountability(period: march, by: .officer)
        let byOfficer = Dictionary(uniqueKeysWithValues: rows.rows.compactMap { row in row.officer.map { ($0, row) } })
        #expect(byOfficer["cb.a"]?.entriesVoided == 1)   // SL's wrong forward
        #expect(byOfficer["cb.b"]?.entriesVoided == 1)   // SM, which counts nowhere else
        #expect(byOfficer["cb.b"]?.dossiers == ["SM"])
        // cv.r held SN when its due (Thu 03-20 09:00) passed: no late step (its step had no due), no violation (in-time apology).
        let r = try #require(byOfficer["cv.r"])
        #expect(r.deadlinesMissed == 1 && r.stepsLate == 0 && r.violationCount == 0 && r.complaints == 0)
        let rewards = try await inspector.accountability(period: march, by: .officer, rewards: true).rows.compactMap(\.officer)
        #expect(!rewards.contains("cv.r"))
        #expect(rewards.contains("cb.c"))                 // SN's desk forwarded within its step
        let units = try await inspector.accountability(period: march, by: .unit).rows
        #expect(units.first { $0.unit == "C1" }?.entriesVoided == 2)
    }

    @Test("a dossier whose due needs a year with no calendar is listed as not judged by every periodic view, never dropped silently")
    func unjudged() async throws {
        let path = TemporaryDirectory.path + "/december"
        // Appended as if on 2027-01-05, so that the time guard lets events of late December through.
        let ledger = DossierLedger(store: try LMDBEventStore(path: path),
                                   timeGuard: try TimeGuard(minutes: 5, now: { Scenario.t("2027-01-05 09:00") }))
        try await ledger.record(Scenario.catalog)
        // Received Wed 2026-12-30 09:00: 24 working hours (Wed 6 + Thu 8 + 10 more) reach into 2027, whose calendar is not loaded.
        try await ledger.append(DossierEvent(id: "X-1", dossier: "DX", at: Scenario.t("2026-12-30 09:00"), actor: "cb.a", unit: "C1",
                                             body: .received(Received(procedure: "P3", channel: .direct))))
        try await ledger.append(DossierEvent(id: "Y-1", dossier: "DY", at: Scenario.t("2026-12-01 09:00"), actor: "cb.a", unit: "C1",
                                             body: .received(Received(procedure: "P3", channel: .direct))))
        let inspector = try await Inspector.open(try ProjectionEngine(storePath: path, ledger: ledger))
        let december = Period(from: LocalDate(year: 2026, month: 12, day: 1), through: LocalDate(year: 2026, month: 12, day: 31), label: "2026-12")
        let rates = try await inspector.onTimeRates(period: december, by: .competentUnit)
        #expect(rates.unjudged == [Unjudged(dossier: "DX", year: 2027)])
        #expect(rates.rows.last?.population == 1)  // DY, judged
        #expect(try await inspector.satisfaction(period: december).unjudged.map(\.dossier) == ["DX"])
        #expect(try await inspector.accountability(period: december, by: .officer).unjudged.map(\.dossier) == ["DX"])
        let late = try await inspector.lateList(asOf: Scenario.t("2026-12-31 16:00"))
        #expect(late.unjudged.map(\.dossier) == ["DX"] && late.rows.map(\.dossier) == ["DY"])
    }
}
