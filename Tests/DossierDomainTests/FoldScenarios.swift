import DossierDomain
import Testing

/// A catalog with the procedures the scenarios use, all valid from 2021.
let rules: DomainRules = {
    var catalog = Catalog()
    let from = LocalDate(year: 2021, month: 1, day: 1)
    for (code, limit) in [("P3WD", Limit.workingDays(3)), ("PSAME", .sameDay), ("P15CD", .calendarDays(15)), ("P4H", .hours(4))] {
        try! catalog.add(Procedure(code: code, name: code, limit: limit, validity: Validity(from: from)))
    }
    return DomainRules(catalog: catalog)
}()

/// Builds one dossier's events in order with short calls.
struct Story {
    var events: [DossierEvent] = []
    let dossier = "000.00.17.H19-250304-0001"

    mutating func add(_ at: String, _ body: EventBody, actor: String = "cb.01", unit: String = "MC") {
        events.append(DossierEvent(id: "e\(events.count + 1)", dossier: dossier, at: t(at), actor: actor, unit: unit, body: body))
    }
    mutating func received(_ at: String, _ procedure: String = "P3WD") {
        add(at, .received(Received(procedure: procedure, channel: .online, onlineLevel: .full)))
    }
    mutating func forwarded(_ at: String, to actor: String, hours: Double? = nil, by from: String = "cb.01") {
        add(at, .forwarded(Forwarded(toUnit: "TP", toActor: actor, stepHours: hours)), actor: from)
    }
    mutating func requested(_ at: String, by actor: String = "cv.02") { add(at, .supplementRequested(SupplementRequested(reason: "missing copy")), actor: actor, unit: "TP") }
    mutating func supplied(_ at: String) { add(at, .supplementReceived, actor: "citizen") }
    mutating func apology(_ at: String, newDue: String) { add(at, .apologyIssued(ApologyIssued(newDue: t(newDue), reason: "workload")), actor: "cv.02", unit: "TP") }
    mutating func processed(_ at: String) { add(at, .processed(Processed(outcome: .approved)), actor: "cv.02", unit: "TP") }

    func state(through limit: FoldLimit = .all) throws -> DossierState {
        try #require(try DossierState.fold(events, rules: rules, through: limit))
    }
}

struct FoldScenarios {
    @Test("the spec's example: early, with a late step and its overrun")
    func specExample() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                       // 3 working days → due Fri 07/03 09:12
        story.forwarded("2025-03-04 10:00", to: "cv.02", hours: 16) // Tue 10–11:30 (1.5) + 3.5 = 5, Wed 8 = 13, Thu 07:00 + 3 → 10:00
        story.processed("2025-03-06 15:30")
        let state = try story.state()
        #expect(state.legalDue == t("2025-03-07 09:12"))
        #expect(state.status == .processed)
        #expect(state.onTimeClass() == .early)                  // 06/03 before the due's date 07/03
        let steps = try state.judgedSteps(at: t("2025-03-06 15:30"), rules: rules)
        #expect(steps.count == 2)
        #expect(steps[0].due == t("2025-03-04 17:00"))          // step 0: received ≤ 15:00 → closing time
        #expect(!steps[0].isLate)
        #expect(steps[1].due == t("2025-03-06 10:00"))
        #expect(steps[1].isLate)
        #expect(steps[1].overrun == hours(3.5))                 // Thu 10:00–11:30 (1.5) + 13:30–15:30 (2)
        #expect(state.custody(at: t("2025-03-04 10:00"))?.holderActor == "cv.02")  // at the forward's instant the new holder holds it
        #expect(state.custody(at: t("2025-03-04 09:59"))?.holderActor == "cb.01")
    }

    @Test("finished late without an apology: late_without_apology at the missed due, with the overrun")
    func lateWithoutApology() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                       // due Fri 07/03 09:12
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.processed("2025-03-10 09:00")
        let state = try story.state()
        #expect(state.onTimeClass() == .late)
        // Fri 09:12–11:30 (2:18) + 13:30–17:00 (3:30) + Mon 07:00–09:00 (2:00) = 7:48
        #expect(try state.overdueTime(at: t("2025-03-10 09:00"), rules: rules) == hours(7.8))
        let violations = try state.violations(at: t("2025-03-10 09:00"), rules: rules)
        #expect(violations == [Violation(kind: .lateWithoutApology, at: t("2025-03-07 09:12"), officer: "cv.02", unit: "TP")])
    }

    @Test("a supplement restarts the full limit from its arrival")
    func supplementRestart() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.requested("2025-03-05 10:00")
        // While waiting the dossier is in time, even past the first due.
        #expect(try story.state().standing(at: t("2025-03-08 10:00")) == .open(overdue: false, waiting: true))
        story.supplied("2025-03-10 08:00")                       // Mon 08–17 (7), Tue, Wed (16) = 23, Thu 07:00 + 1 → 08:00
        let state = try story.state()
        #expect(state.dues.map(\.due) == [t("2025-03-07 09:12"), t("2025-03-13 08:00")])
        #expect(state.standing(at: t("2025-03-13 08:00")) == .open(overdue: false, waiting: false))
        #expect(state.standing(at: t("2025-03-13 08:01")) == .open(overdue: true, waiting: false))
        story.processed("2025-03-12 16:00")
        #expect(try story.state().onTimeClass() == .early)
    }

    @Test("stopped while waiting is judged when the wait opened")
    func stoppedWhileWaiting() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                       // due Fri 07/03 09:12
        story.requested("2025-03-06 10:00")
        story.add("2025-03-20 10:00", .stopped(Stopped(reason: "no reply")), actor: "cv.02", unit: "TP")
        let state = try story.state()
        #expect(state.finish?.judgedAt == t("2025-03-06 10:00"))
        #expect(state.onTimeClass() == .early)                  // 06/03 10:00 ≤ due, date before 07/03
    }

    @Test("on time on the due's own date; the date-only convention differs from instants")
    func onTimeAndDateOnly() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.processed("2025-03-07 09:00")                      // same date as the due, before 09:12
        #expect(try story.state().onTimeClass() == .onTime)
        var late = Story()
        late.received("2025-03-04 09:12")
        late.processed("2025-03-07 16:00")                       // after 09:12 on the due's date
        #expect(try late.state().onTimeClass() == .late)
        #expect(try late.state().onTimeClass(dateOnly: true) == .onTime)
    }

    @Test("apologies: in time, too late, repeated")
    func apologies() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                       // legal due Fri 07/03 09:12
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        // Deadline: closing time of the working day before 07/03 = Thu 06/03 17:00.
        story.apology("2025-03-06 16:00", newDue: "2025-03-11 17:00")
        #expect(try story.state().violations(at: t("2025-03-06 16:00"), rules: rules).isEmpty)
        var tooLate = Story()
        tooLate.received("2025-03-04 09:12")
        tooLate.forwarded("2025-03-04 10:00", to: "cv.02")
        tooLate.apology("2025-03-06 17:30", newDue: "2025-03-11 17:00")
        tooLate.apology("2025-03-11 10:00", newDue: "2025-03-14 17:00")
        let state = try tooLate.state()
        #expect(state.rescheduledDue == t("2025-03-11 17:00"))  // the first apology's only
        #expect(state.legalDue == t("2025-03-07 09:12"))        // never changed by an apology
        let kinds = try state.violations(at: t("2025-03-11 10:00"), rules: rules).map(\.kind)
        #expect(kinds == [.apologyTooLate, .repeatedReschedule])
    }

    @Test("a supplement request more than 3 working days after receipt is late", arguments: [
        // Tue 09:12–17:00 (5:48) + Wed, Thu (16) = 21:48; Fri 07:00 + 2:12 → 09:12 is exactly 24 h: allowed
        ("2025-03-07 09:12", false),
        // one minute more
        ("2025-03-07 09:13", true),
    ])
    func lateSupplementRequest(_ at: String, _ late: Bool) throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.requested(at)
        let kinds = try story.state().violations(at: t(at), rules: rules).map(\.kind)
        #expect(kinds.contains(.lateSupplementRequest) == late)
    }

    @Test("Quyết định 766: waits are subtracted, the due is never recomputed", arguments: [
        // due₇₆₆ Fri 07/03 09:12; wait Wed 10:00 → Thu 10:00 = 24 h; F Sat 08:00 − 24 h = Fri 08:00 ≤ 09:12
        ("2025-03-08 08:00", true),
        // F Sat 10:00 − 24 h = Fri 10:00 > 09:12
        ("2025-03-08 10:00", false),
    ])
    func indicator766(_ processedAt: String, _ onTime: Bool) throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.requested("2025-03-05 10:00")
        story.supplied("2025-03-06 10:00")
        story.processed(processedAt)
        #expect(try story.state().onTime766(periodEnd: t("2025-04-01 00:00")) == onTime)
    }

    @Test("766: more than one supplement request is late")
    func twoSupplements766() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.requested("2025-03-04 10:00")
        story.supplied("2025-03-04 11:00")
        story.requested("2025-03-04 14:00")
        story.supplied("2025-03-04 15:00")
        story.processed("2025-03-05 09:00")
        #expect(try story.state().onTime766(periodEnd: t("2025-04-01 00:00")) == false)
    }

    @Test("a step's due moves later by the working time it waited for the applicant")
    func stepExtension() throws {
        var story = Story()
        story.received("2025-03-03 07:30")
        story.forwarded("2025-03-03 08:00", to: "cv.02", hours: 8)  // base due: Mon 08–17 (7) + Tue 07:00 + 1 → 08:00
        story.requested("2025-03-03 14:00")
        story.supplied("2025-03-04 09:00")                          // waited Mon 14–17 (3) + Tue 07–09 (2) = 5 h
        story.processed("2025-03-04 14:00")
        let steps = try story.state().judgedSteps(at: t("2025-03-04 14:00"), rules: rules)
        #expect(steps[1].step.baseDue == t("2025-03-04 08:00"))
        #expect(steps[1].due == t("2025-03-04 15:00"))               // Tue 08:00 + 5 h: 08–11:30 (3.5), 13:30 + 1.5
        #expect(!steps[1].isLate)
    }

    @Test("missed dues: every legal due that passed while open and not waiting, with the holder then")
    func missedDues() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                          // due 1: Fri 07/03 09:12
        story.forwarded("2025-03-05 08:00", to: "cv.02")
        story.requested("2025-03-10 10:00")                         // after due 1 passed
        story.supplied("2025-03-11 08:00")                          // due 2: Tue 08–17 (7), Wed, Thu (16) = 23, Fri 07:00 + 1 → 08:00
        let state = try story.state()
        #expect(state.missedDues(asOf: t("2025-03-17 09:00")) == [
            MissedDue(due: t("2025-03-07 09:12"), holderActor: "cv.02", holderUnit: "TP"),
            MissedDue(due: t("2025-03-14 08:00"), holderActor: "cv.02", holderUnit: "TP"),
        ])
        #expect(state.missedDues(asOf: t("2025-03-14 08:00")).count == 1)  // strictly before the report instant
    }

    @Test("time travel: the state as of a version or an instant")
    func timeTravel() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.processed("2025-03-06 15:30")
        #expect(try story.state(through: .version(2)).status == .processing)
        #expect(try story.state(through: .instant(t("2025-03-04 09:59"))).status == .received)
        #expect(try story.state(through: .instant(t("2025-03-06 15:30"))).status == .processed)
    }

    static let lifecycleViolations: [(String, @Sendable (inout Story) -> Void, String)] = [
        ("forwarded before received", { $0.forwarded("2025-03-04 10:00", to: "x") }, "first event"),
        ("processed while waiting", { $0.received("2025-03-04 09:00"); $0.requested("2025-03-04 10:00"); $0.processed("2025-03-04 11:00") }, "waiting for a supplement"),
        ("supplement received without a request", { $0.received("2025-03-04 09:00"); $0.supplied("2025-03-04 10:00") }, "no open supplement request"),
        ("returned before processed", { $0.received("2025-03-04 09:00"); $0.add("2025-03-04 10:00", .returned(Returned(via: .desk))) }, "processed or stopped before"),
        ("received twice", { $0.received("2025-03-04 09:00"); $0.received("2025-03-04 10:00") }, "already received"),
        ("time going backwards", { $0.received("2025-03-04 09:00"); $0.forwarded("2025-03-04 08:00", to: "x") }, "goes back in time"),
        ("processed twice", { $0.received("2025-03-04 09:00"); $0.processed("2025-03-04 10:00"); $0.processed("2025-03-04 11:00") }, "already processed"),
        ("forwarded after returned", {
            $0.received("2025-03-04 09:00"); $0.processed("2025-03-04 10:00"); $0.add("2025-03-04 11:00", .returned(Returned(via: .desk)))
            $0.forwarded("2025-03-04 12:00", to: "x")
        }, "only feedback and home-support visits"),
    ]

    @Test("the lifecycle rules refuse an event with the rule in words", arguments: lifecycleViolations)
    func lifecycle(_ name: String, _ build: @Sendable (inout Story) -> Void, _ rule: String) {
        var story = Story()
        build(&story)
        let error = #expect(throws: EventRejection.self) { _ = try DossierState.fold(story.events, rules: rules) }
        #expect(error?.rule.description.contains(rule) == true, "\(name): \(error?.description ?? "")")
        #expect(error?.eventID == story.events.last?.id)
    }

    @Test("feedback and home visits may follow a returned dossier")
    func afterReturned() throws {
        var story = Story()
        story.received("2025-03-04 09:00")
        story.processed("2025-03-04 10:00")
        story.add("2025-03-04 11:00", .returned(Returned(via: .desk)))
        story.add("2025-03-05 11:00", .feedback(Feedback(rating: .dissatisfied, complaint: true, aboutActor: "cv.02")), actor: "citizen")
        story.add("2025-03-06 11:00", .homeSupportVisit(HomeSupportVisit(purpose: .deliver)))
        let state = try story.state()
        #expect(state.status == .returned)
        #expect(state.feedback.count == 1 && state.visits.count == 1)
    }
}

struct Score766Scenarios {
    @Test("766: only supplement requests made before the period end make a dossier late; a later one never changes a closed period")
    func requestAfterPeriodEnd() throws {
        var story = Story()
        story.received("2025-03-20 09:00", "P15CD")  // 15 calendar days: D = 04/04 (a Friday) → due₇₆₆ 04/04 17:00
        story.forwarded("2025-03-20 10:00", to: "cv.02")
        story.requested("2025-03-21 09:00")
        story.supplied("2025-03-24 09:00")           // a completed wait of 3 days (wall clock)
        story.requested("2025-04-02 09:00")          // the second request: in Q2
        let state = try story.state()
        let q1 = try Period.parse("2025-Q1", cutOff15th: false), q2 = try Period.parse("2025-Q2", cutOff15th: false)
        // Q1 (ends 01/04 00:00): open and not waiting at the end, F₇₆₆ = 01/04 00:00 − 3 days = 29/03 00:00 ≤ 04/04 17:00: on time.
        #expect(state.onTime766(periodEnd: q1.end) == true)
        #expect(try state.outcome(in: q1, rules: rules)?.onTime766 == true)
        // Q2: two requests were made before its end: late.
        #expect(state.onTime766(periodEnd: q2.end) == false)
    }
}
