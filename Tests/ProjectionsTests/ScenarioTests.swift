import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Projections
import Testing
import Views

/// A small province worked out by hand from the spec (indicators.md, deadlines.md). Office
/// hours 07:00–11:30 and 13:30–17:00 (8 h); procedure P3 = 3 working days = 24 working hours;
/// March 2025 and October 2024 have no holidays.
///
/// Units: P (province); D (district, until 2025-06-30, successor C1); C1 (commune under D, then
/// under P from 2025-07-01). Dossiers:
/// - DA received Mon 03-03 09:00 → due Thu 03-06 09:00 (Mon 6 h + Tue 8 + Wed 8 + Thu 2);
///   forwarded 10:00 to cv.a with step_hours 8 → step due Tue 10:00 (Mon 5 h + Tue 3);
///   processed Wed 10:00: early (Wed < Thu); step late by W(Tue 10:00, Wed 10:00) = 5 + 3 = 8 h.
/// - DB received Mon 14:00 → due Thu 14:00 (Mon 3 + Tue 8 + Wed 8 + Thu 4.5 + 0.5); forwarded
///   15:00 to cv.b; processed Fri 10:00: late by Thu 14–17 (3) + Fri 07–10 (3) = 6 h, never
///   apologised; a dissatisfied complaint about cv.b.
/// - DC received Tue 08:00 → due Fri 08:00 (Tue 7 + Wed 8 + Thu 8 + Fri 1); forwarded 09:00 to
///   cv.b; apology Fri 09:00 (after Thu 17:00: too late), again Mon 03-10 10:00 (repeated); open.
/// - DD received Wed 09:00 → due Mon 03-10 09:00 (Wed 6 + Thu 8 + Fri 8 + Mon 2); supplement
///   requested Mon 08:00 (23 working hours after receipt: in time); still waiting.
/// - DE received Mon 07:00 → due Wed 17:00; supplement requested Thu 08:00 (25 h: late request,
///   after the due passed); received Fri 08:00 → due Wed 03-12 08:00 (Fri 7 + Mon 8 + Tue 8 + Wed 1);
///   withdrawn Mon 03-10 09:00: early.
/// - DF received at the district Mon 2024-10-07 09:00, processed Tue 10:00: early.
/// - DG received Mon 2025-08-04 09:00 at C1 online (full), processed 10:00, a home-support visit
///   at 15:00: the latest event, so the report instant.
enum Scenario {
    static func t(_ local: String) -> Instant {
        // "2025-03-03 09:00" local time
        let date = LocalDate(parsing: local.prefix(10))!
        let parts = local.dropFirst(11).split(separator: ":")
        return Instant(localDate: date, microsecondOfDay: (Int64(parts[0])! * 60 + Int64(parts[1])!) * 60_000_000)
    }

    static let catalog: [CatalogEntry] = {
        let start = LocalDate(year: 2021, month: 1, day: 1), end = LocalDate(year: 2025, month: 6, day: 30)
        return [
            .procedure(Procedure(code: "P3", name: "Three working days", limit: .workingDays(3), validity: Validity(from: start))),
            .unit(Unit(code: "P", name: "Province", level: .province, validity: Validity(from: start))),
            .unit(Unit(code: "D", name: "District", level: .district, parent: "P", validity: Validity(from: start, to: end), successor: "C1")),
            .unit(Unit(code: "C1", name: "Commune", level: .commune, parent: "D", validity: Validity(from: start, to: end))),
            .unit(Unit(code: "C1", name: "Commune", level: .commune, parent: "P", validity: Validity(from: end + 1))),
        ]
    }()

    static var events: [DossierEvent] {
        var events: [DossierEvent] = []
        func add(_ dossier: String, _ at: String, _ actor: String, _ body: EventBody, unit: String = "C1") {
            events.append(DossierEvent(id: "\(dossier)-\(events.count)", dossier: dossier, at: t(at), actor: actor, unit: unit, body: body))
        }
        func received(_ dossier: String, _ at: String, _ channel: Channel, _ level: OnlineLevel? = nil, unit: String = "C1") {
            add(dossier, at, "cb.a", .received(Received(procedure: "P3", channel: channel, onlineLevel: level)), unit: unit)
        }
        received("DA", "2025-03-03 09:00", .direct)
        add("DA", "2025-03-03 10:00", "cb.a", .forwarded(Forwarded(toUnit: "C1", toActor: "cv.a", stepHours: 8)))
        add("DA", "2025-03-05 10:00", "cv.a", .processed(Processed(outcome: .approved)))
        add("DA", "2025-03-06 08:00", "cb.a", .returned(Returned(via: .desk)))
        add("DA", "2025-03-06 09:00", "citizen", .feedback(Feedback(rating: .satisfied)))

        received("DB", "2025-03-03 14:00", .online, .partial)
        add("DB", "2025-03-03 15:00", "cb.a", .forwarded(Forwarded(toUnit: "C1", toActor: "cv.b")))
        add("DB", "2025-03-07 10:00", "cv.b", .processed(Processed(outcome: .approved)))
        add("DB", "2025-03-07 11:00", "citizen", .feedback(Feedback(rating: .dissatisfied, complaint: true, aboutActor: "cv.b")))

        received("DC", "2025-03-04 08:00", .online, .full)
        add("DC", "2025-03-04 09:00", "cb.a", .forwarded(Forwarded(toUnit: "C1", toActor: "cv.b")))
        add("DC", "2025-03-07 09:00", "cv.b", .apologyIssued(ApologyIssued(newDue: t("2025-03-10 17:00"), reason: "workload")))
        add("DC", "2025-03-10 10:00", "cv.b", .apologyIssued(ApologyIssued(newDue: t("2025-03-11 17:00"), reason: "workload")))

        received("DD", "2025-03-05 09:00", .postal)
        add("DD", "2025-03-05 09:30", "cb.a", .forwarded(Forwarded(toUnit: "C1", toActor: "cv.a")))
        add("DD", "2025-03-10 08:00", "cv.a", .supplementRequested(SupplementRequested(reason: "copy")))

        received("DE", "2025-03-03 07:00", .direct)
        add("DE", "2025-03-03 07:30", "cb.a", .forwarded(Forwarded(toUnit: "C1", toActor: "cv.a")))
        add("DE", "2025-03-06 08:00", "cv.a", .supplementRequested(SupplementRequested(reason: "copy")))
        add("DE", "2025-03-07 08:00", "citizen", .supplementReceived)
        add("DE", "2025-03-10 09:00", "citizen", .withdrawn)

        received("DF", "2024-10-07 09:00", .direct, unit: "D")
        add("DF", "2024-10-08 10:00", "cv.d", .processed(Processed(outcome: .approved)), unit: "D")

        received("DG", "2025-08-04 09:00", .online, .full)
        add("DG", "2025-08-04 10:00", "cb.a", .processed(Processed(outcome: .approved)))
        add("DG", "2025-08-04 15:00", "cb.a", .homeSupportVisit(HomeSupportVisit(purpose: .deliver, minutes: 40)))
        return events.sorted { $0.at < $1.at }
    }

    /// A store holding the catalog and the events at or before `through`, and its inspector.
    static func inspector(_ name: String = "store", through: Instant? = nil, events: [DossierEvent] = Scenario.events) async throws -> Inspector {
        let path = TemporaryDirectory.path + "/" + name
        let ledger = DossierLedger(store: try LMDBEventStore(path: path))
        try await ledger.record(catalog)
        for event in events.sorted(by: { $0.at < $1.at }) where through.map({ event.at <= $0 }) ?? true { try await ledger.append(event) }
        return try await Inspector.open(try ProjectionEngine(storePath: path, ledger: ledger))
    }
}

@Suite(.temporaryDirectory)
struct ScenarioTests {
    let march = Period(from: LocalDate(year: 2025, month: 3, day: 1), through: LocalDate(year: 2025, month: 3, day: 31), label: "2025-03")

    @Test("the late list as of Fri 2025-03-07 12:00: DC overdue 3.5 h (a state folded back to then); DB finished late 6 h")
    func lateList() async throws {
        let inspector = try await Scenario.inspector()
        let friday = Scenario.t("2025-03-07 12:00")
        let open = try await inspector.lateList(asOf: friday)
        #expect(open.rows.map(\.dossier) == ["DC"])
        let dc = try #require(open.rows.first)
        #expect(dc.overdue == 3_600_000_000 * 7 / 2)  // W(Fri 08:00, Fri 12:00) = 08:00–11:30
        #expect(dc.due == Scenario.t("2025-03-07 08:00") && dc.rescheduledDue == Scenario.t("2025-03-10 17:00") && dc.apology)
        #expect(dc.holderActor == "cv.b" && dc.holderUnit == "C1" && dc.supplements == 0 && dc.status == .processing)

        let all = try await inspector.lateList(asOf: friday, filter: LateFilter(includeFinished: true))
        #expect(all.rows.map(\.dossier) == ["DB", "DC"])
        #expect(all.rows[0].overdue == 6 * 3_600_000_000 && all.rows[0].onTimeClass == .late && all.rows[0].holderActor == "cv.b")
        #expect(all.reportInstant == friday)

        #expect(try await inspector.lateList(asOf: friday, filter: LateFilter(unit: "D")).rows.count == 1)  // C1 is under D then
        #expect(try await inspector.lateList(asOf: friday, filter: LateFilter(unit: "P", officer: "cv.b")).rows.count == 1)
        #expect(try await inspector.lateList(asOf: friday, filter: LateFilter(officer: "cv.a")).rows.isEmpty)
        // Filters name real things: an unknown code is an error with the nearest known ones, never "0 rows".
        let unknown = await #expect(throws: UnknownFilter.self) { try await inspector.lateList(asOf: friday, filter: LateFilter(procedure: "P9")) }
        #expect(unknown?.kind == "procedure" && unknown?.suggestions.first == "P3")
        let unit = await #expect(throws: UnknownFilter.self) { try await inspector.lateList(asOf: friday, filter: LateFilter(unit: "c1")) }
        #expect(unit?.suggestions.first == "C1")
        // At the report instant (DG's visit, August) DC is still open and overdue.
        #expect(try await inspector.lateList().rows.map(\.dossier) == ["DC"])
    }

    @Test("on-time rate of March 2025: 5 dossiers, 2 early, 1 late, 1 open in time (waiting), 1 overdue: 60.00%, 766 score 8.00")
    func onTimeRate() async throws {
        let inspector = try await Scenario.inspector()
        let report = try await inspector.onTimeRates(period: march, by: .competentUnit)
        #expect(report.rows.map(\.group) == ["C1", "D", "P", "total"])  // rolled up through the March tree
        for row in report.rows {
            #expect(row.population == 5 && row.received == 5 && row.carriedOver == 0)
            #expect(row.early == 2 && row.onTime == 0 && row.late == 1 && row.openInTime == 1 && row.openOverdue == 1)
            #expect(row.waiting == 1 && row.withdrawn == 1)
            #expect(row.onTimeRate == 60.00)
            // 766: DA and DD (waiting: judged at its request) on time; DB late; DC overdue; DE's wait is
            // subtracted in calendar time, Mon 03-10 09:00 − 24 h = Sun 09:00 > Wed 03-05 17:00: late.
            #expect(row.score766 == 8.00)
        }
        let channels = try await inspector.onTimeRates(period: march, by: .channel)
        #expect(channels.rows.map(\.group) == ["direct", "online", "postal", "total"])
        #expect(channels.rows.map(\.population) == [2, 2, 1, 5])
        #expect(try await inspector.onTimeRates(period: march, by: .officer).rows.map(\.group) == ["cv.a", "cv.b", "total"])
    }

    @Test("a 2024 district dossier rolls up to its district, to today's successor on request, or not at all")
    func reorganisation() async throws {
        let inspector = try await Scenario.inspector()
        let q4 = try Period.parse("2024-Q4")
        #expect(try await inspector.onTimeRates(period: q4, by: .competentUnit).rows.map(\.group) == ["D", "P", "total"])
        #expect(try await inspector.onTimeRates(period: q4, by: .competentUnit, rollUp: .successors).rows.map(\.group) == ["C1", "P", "total"])
        #expect(try await inspector.onTimeRates(period: q4, by: .competentUnit, rollUp: .none).rows.map(\.group) == ["D", "total"])
        #expect(try await inspector.onTimeRates(period: q4, by: .competentUnit).rows.allSatisfy { $0.early == 1 && $0.onTimeRate == 100 })
    }

    @Test("online rate of March 2025: 5 received, 2 online (1 full, 1 partial), 2 direct, 1 postal: 40.00%")
    func onlineRate() async throws {
        let inspector = try await Scenario.inspector()
        let report = try await inspector.onlineRates(period: march)
        #expect(report.rows.map(\.group) == ["C1", "D", "P", "total"])
        let total = try #require(report.rows.last)
        #expect(total.counts.total == 5 && total.counts.online == 2 && total.counts.onlineFull == 1 && total.counts.onlinePartial == 1)
        #expect(total.counts.direct == 2 && total.counts.postal == 1 && total.onlineRate == 40.00)
        #expect(try await inspector.onlineRates(period: try Period.parse("2025-08")).rows.last?.onlineRate == 100.00)
    }

    @Test("accountability of March 2025 per officer and unit; cb.a alone deserves a reward")
    func accountability() async throws {
        let inspector = try await Scenario.inspector()
        let officers = try await inspector.accountability(period: march, by: .officer)
        #expect(officers.rows.map(\.officer) == ["cv.b", "cv.a", "cb.a"])  // most faults first
        let (b, a, desk) = (officers.rows[0], officers.rows[1], officers.rows[2])
        #expect(b.stepsHeld == 2 && b.stepsFinished == 1 && b.stepsLate == 0 && b.deadlinesMissed == 2)
        #expect(b.violations == [.lateWithoutApology: 1, .apologyTooLate: 1, .repeatedReschedule: 1])
        #expect(b.complaints == 1 && b.dissatisfied == 1 && b.dossiers == ["DB", "DC"])
        #expect(a.stepsHeld == 3 && a.stepsFinished == 2 && a.stepsLate == 1 && a.overrun == 8 * 3_600_000_000)
        #expect(a.deadlinesMissed == 1 && a.violations == [.lateSupplementRequest: 1] && a.dossiers == ["DA", "DD", "DE"])
        #expect(desk.stepsHeld == 5 && desk.stepsFinished == 5 && desk.faults == 0)
        #expect(try await inspector.accountability(period: march, by: .officer, rewards: true).rows.map(\.officer) == ["cb.a"])

        let units = try await inspector.accountability(period: march, by: .unit)
        let c1 = try #require(units.rows.first { $0.unit == "C1" })
        #expect(c1.stepsHeld == 10 && c1.stepsFinished == 8 && c1.stepsLate == 1 && c1.deadlinesMissed == 3)
        #expect(c1.violationCount == 4 && c1.complaints == 1 && c1.dissatisfied == 1 && c1.homeVisits == 0)
        let august = try await inspector.accountability(period: try Period.parse("2025-08"), by: .unit)
        #expect(august.rows.first { $0.unit == "C1" }?.homeVisits == 1)
    }

    @Test("satisfaction of March 2025: 1 satisfied, 1 dissatisfied with a complaint; 5.4 = 100 − (40 + 20) = 40")
    func satisfaction() async throws {
        let inspector = try await Scenario.inspector()
        let total = try #require(try await inspector.satisfaction(period: march).rows.last)
        #expect(total.satisfied == 1 && total.dissatisfied == 1 && total.complaints == 1)
        #expect(total.population == 5 && total.late == 2 && total.unhappyDossiers == 1 && total.score54 == 40)
    }

    @Test("home support of August 2025: one delivery visit of 40 minutes at C1")
    func homeSupport() async throws {
        let inspector = try await Scenario.inspector()
        let report = try await inspector.homeSupport(period: try Period.parse("2025-08"), by: .unit)
        #expect(report.rows.map(\.group) == ["C1", "total"])
        #expect(report.rows[0].visits == 1 && report.rows[0].minutes == 40 && report.rows[0].purposes == [.deliver: 1])
        #expect(try await inspector.homeSupport(period: try Period.parse("2025-08"), by: .officer).rows.map(\.group) == ["cb.a", "total"])
    }

    @Test("scorecard of March 2025: on time 60 of 98 (61.22%), online 40 of 50 (80%), complaints 1 of 0: 0/3 met")
    func scorecard() async throws {
        let inspector = try await Scenario.inspector()
        let report = try await inspector.scorecard(period: march, targets: [
            Target(name: "on time", indicator: .onTimeRate, comparison: .atLeast, threshold: 98),
            Target(name: "online", indicator: .onlineRate, unit: "D", comparison: .atLeast, threshold: 50),
            Target(name: "complaints", indicator: .complaints, comparison: .atMost, threshold: 0),
        ])
        #expect(report.rows.map(\.value) == [60, 40, 1])
        #expect(report.rows.map(\.achieved) == [61.22, 80, 0])
        #expect(report.summary?.description == "0/3 met, 1 at 80%, 1 at 61%, 1 at 0%")
    }

    @Test("sweep as of Fri 12:00 records DC's missed due once; a second sweep adds nothing")
    func sweep() async throws {
        let friday = Scenario.t("2025-03-07 12:00")
        let path = TemporaryDirectory.path + "/swept"
        var inspector = try await Scenario.inspector("swept", through: friday)
        let first = try await inspector.sweep(asOf: friday)
        let missed = try #require(first.appended.first)
        #expect(first.appended.count == 1 && missed.dossier == "DC" && missed.at == friday && missed.actor == "system")
        #expect(missed.id == "DC:missed:\(Scenario.t("2025-03-07 08:00").microseconds / 1_000_000)")
        guard case .deadlineMissed(let fact) = missed.body else { Issue.record("not a deadline_missed"); return }
        #expect(fact.due == Scenario.t("2025-03-07 08:00") && fact.holderActor == "cv.b" && fact.holderUnit == "C1")
        inspector = try await Inspector.open(try ProjectionEngine(storePath: path, ledger: inspector.ledger))
        let second = try await inspector.sweep(asOf: friday)
        #expect(second.appended.isEmpty && second.alreadyPresent == 1)
    }

    @Test("a case history gives the state after each event, time-travels, and checks the dossier's hash links")
    func caseHistory() async throws {
        let inspector = try await Scenario.inspector()
        let history = try await inspector.log.history(of: "DE")
        #expect(history.report.rows.map(\.standing) == ["in_time", "in_time", "waiting", "in_time", "early"])
        #expect(history.report.rows[3].legalDue == Scenario.t("2025-03-12 08:00"))  // restarted by the supplement
        #expect(history.chainProblem == nil)
        let asOf = try await inspector.log.history(of: "DE", through: .instant(Scenario.t("2025-03-06 12:00")))
        #expect(asOf.report.rows.count == 3 && asOf.state?.status == .supplement)
        #expect(try await inspector.log.history(of: "DE", through: .version(2)).state?.version == 2)
        await #expect(throws: UnknownDossier.self) { _ = try await inspector.log.history(of: "NOPE") }
    }
}
