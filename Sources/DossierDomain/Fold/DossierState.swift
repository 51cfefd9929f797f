/// Where a dossier is in its life (the status numbers of events.md in brackets).
public enum DossierStatus: String, Sendable, Hashable, CaseIterable {
    /// Only home-support visits so far: no valid receipt yet.
    case notReceived = "not_received"
    case received        // 2
    case processing      // 4
    case supplement      // 5
    case processed       // 9
    case returned        // 10
    case withdrawn       // 7
    case stopped         // 8
}

/// The receipt: who received it where, for which procedure, and the limit in force that day.
public struct Receipt: Sendable, Hashable {
    public var at: Instant
    public var actor: String
    public var unit: String
    public var procedure: String
    public var channel: Channel
    public var onlineLevel: OnlineLevel?
    public var assist: Assist
    public var competentUnit: String
    /// The procedure's limit in force on the receipt date; nil when the catalog does not know it.
    public var limit: Limit?
}

/// A legal due and the instant from which it is in force (receipt, or a supplement's arrival).
public struct DueInForce: Sendable, Hashable {
    public var from: Instant
    /// Nil when it cannot be computed: see `problem`.
    public var due: Instant?
    public var problem: String?
    /// The year whose calendar is not loaded, when that is why `due` is nil: load it and rebuild.
    public var missingYear: Int? = nil
}

/// One custody step: who held the dossier from `start` until `end`.
public struct Step: Sendable, Hashable {
    public var start: Instant
    public var holderActor: String?
    public var holderUnit: String
    /// The step's own due before waits extend it; nil: the step has none.
    public var baseDue: Instant?
    public var end: Instant?
    /// Why `baseDue` could not be computed (a calendar year not loaded), if so.
    public var problem: String?
}

/// A supplement request and, once it came, when the applicant's supplement arrived.
public struct SupplementWait: Sendable, Hashable {
    public var requestedAt: Instant
    public var actor: String
    public var unit: String
    public var receivedAt: Instant?
}

public struct ApologyRecord: Sendable, Hashable {
    public var at: Instant
    public var actor: String
    public var unit: String
    public var responsibleUnit: String
    public var newDue: Instant
    /// The legal due in force when it was issued.
    public var legalDue: Instant?
}

/// How a dossier finished.
public struct Finish: Sendable, Hashable {
    public var at: Instant
    public var kind: EventType
    /// The instant it is judged at: `at`, or for a dossier stopped or withdrawn while waiting for
    /// a supplement, the instant that request opened the wait.
    public var judgedAt: Instant
    public var outcome: Outcome?
}

/// The state of one dossier: a pure fold of its events (`apply`), with the rules of
/// deadlines.md and indicators.md as functions of it and of a report instant.
public struct DossierState: Sendable, Hashable {
    public let dossier: String
    public internal(set) var lifecycle = Lifecycle()
    /// Events applied.
    public var version: Int { lifecycle.version }
    public var lastAt: Instant? { lifecycle.lastAt }
    public var status: DossierStatus { lifecycle.status }
    public internal(set) var receipt: Receipt?
    /// Every legal due in order; the last is in force.
    public internal(set) var dues: [DueInForce] = []
    public internal(set) var apologies: [ApologyRecord] = []
    public internal(set) var supplements: [SupplementWait] = []
    public internal(set) var steps: [Step] = []
    public internal(set) var finish: Finish?
    public internal(set) var returnedAt: Instant?
    /// `deadline_missed` events recorded so far (by the sweep).
    public internal(set) var recordedMisses: [DeadlineMissed] = []
    public internal(set) var feedback: [DossierEvent] = []
    public internal(set) var visits: [DossierEvent] = []
    /// The corrections of this dossier so far (events.md, "Corrections"), in order: kept
    /// whatever they undid, also when no effective event is left.
    public internal(set) var voids: [VoidRecord] = []

    public init(dossier: String) { self.dossier = dossier }

    // MARK: Folding

    /// Checks `event` against the lifecycle rules (events.md, rules 3 and 4) and applies it.
    /// A `voided` event needs the dossier's events before it: fold it with ``DossierReplay``.
    /// - Throws: ``EventRejection`` naming the event and the rule; the state is unchanged.
    public mutating func apply(_ event: DossierEvent, rules: DomainRules) throws(EventRejection) {
        try check(event)
        evolve(event, rules: rules)
    }

    /// The rules an event must keep to follow this state (see ``Lifecycle``).
    public func check(_ event: DossierEvent) throws(EventRejection) {
        try lifecycle.check(event)
    }

    /// The state of these effective events (already checked), after `version` events in all.
    static func refolded(_ dossier: String, effective: [(version: Int, event: DossierEvent)], version: Int,
                         voids: [VoidRecord], rules: DomainRules) -> DossierState {
        var state = DossierState(dossier: dossier)
        for item in effective { state.evolve(item.event, rules: rules) }
        state.lifecycle = Lifecycle(effective: effective.map { EffectiveEvent(version: $0.version, type: $0.event.type, at: $0.event.at) },
                                    version: version)
        state.voids = voids
        return state
    }

    /// Applies an event already checked. Dues come from the catalog and calendar in `rules`.
    mutating func evolve(_ event: DossierEvent, rules: DomainRules) {
        lifecycle.advance(event)
        switch event.body {
        case .received(let r):
            let limit = rules.catalog.procedure(r.procedure, on: event.at.localDate)?.limit
            receipt = Receipt(at: event.at, actor: event.actor, unit: event.unit, procedure: r.procedure, channel: r.channel,
                              onlineLevel: r.onlineLevel, assist: r.assist ?? .none, competentUnit: r.competentUnit ?? event.unit,
                              limit: limit)
            if let given = r.due {
                dues = [DueInForce(from: event.at, due: given)]
            } else {
                dues = [computeDue(from: event.at, rules: rules)]
            }
            var first = Step(start: event.at, holderActor: event.actor, holderUnit: event.unit)
            do { first.baseDue = try rules.schedule(for: event.unit).firstStepDue(receivedAt: event.at) } catch { first.problem = error.description }
            steps = [first]
        case .forwarded(let f):
            closeStep(at: event.at)
            var step = Step(start: event.at, holderActor: f.toActor, holderUnit: f.toUnit, baseDue: f.stepDue)
            if step.baseDue == nil, let hours = f.stepHours {
                do { step.baseDue = try rules.schedule(for: f.toUnit).advance(event.at, by: microseconds(hours: hours)) } catch { step.problem = error.description }
            }
            steps.append(step)
        case .supplementRequested:
            supplements.append(SupplementWait(requestedAt: event.at, actor: event.actor, unit: event.unit))
        case .supplementReceived:
            for index in supplements.indices where supplements[index].receivedAt == nil {
                supplements[index].receivedAt = event.at
            }
            dues.append(computeDue(from: event.at, rules: rules))
        case .deadlineMissed(let d):
            recordedMisses.append(d)
        case .apologyIssued(let a):
            apologies.append(ApologyRecord(at: event.at, actor: event.actor, unit: event.unit,
                                           responsibleUnit: a.responsibleUnit ?? event.unit, newDue: a.newDue,
                                           legalDue: legalDue))
        case .processed(let p):
            finishDossier(event, kind: .processed, outcome: p.outcome)
        case .returned:
            returnedAt = event.at
        case .withdrawn:
            finishDossier(event, kind: .withdrawn, outcome: nil)
        case .stopped:
            finishDossier(event, kind: .stopped, outcome: nil)
        case .homeSupportVisit:
            visits.append(event)
        case .feedback:
            feedback.append(event)
        case .voided:
            break  // DossierReplay refolds the effective events
        }
    }

    private func computeDue(from start: Instant, rules: DomainRules) -> DueInForce {
        guard let receipt else { return DueInForce(from: start, due: nil, problem: "not received") }
        guard let limit = receipt.limit else {
            return DueInForce(from: start, due: nil, problem: "procedure \(receipt.procedure) is not in the catalog in force on \(receipt.at.localDate)")
        }
        do {
            return DueInForce(from: start, due: try rules.schedule(for: receipt.unit).due(from: start, limit: limit))
        } catch {
            var missingYear: Int?
            if case .yearNotLoaded(let year) = error { missingYear = year }
            return DueInForce(from: start, due: nil, problem: error.description, missingYear: missingYear)
        }
    }

    private mutating func closeStep(at instant: Instant) {
        if let last = steps.indices.last, steps[last].end == nil { steps[last].end = instant }
    }

    private mutating func finishDossier(_ event: DossierEvent, kind: EventType, outcome: Outcome?) {
        closeStep(at: event.at)
        // Stopped or withdrawn while waiting: judged when the wait opened (its clock stopped then).
        let judgedAt = kind != .processed ? (openWaitStart ?? event.at) : event.at
        finish = Finish(at: event.at, kind: kind, judgedAt: judgedAt, outcome: outcome)
    }

    // MARK: Questions of the state

    /// A supplement request is open.
    public var isWaiting: Bool { supplements.contains { $0.receivedAt == nil } }

    /// When the open wait began (the first open request), if waiting.
    public var openWaitStart: Instant? { supplements.first { $0.receivedAt == nil }?.requestedAt }

    /// The legal due in force now.
    public var legalDue: Instant? { dues.last?.due }

    /// The year whose calendar must be loaded before the due in force can be computed, if that is
    /// why it is unknown.
    public var missingCalendarYear: Int? { dues.last?.missingYear }

    /// The legal due in force at `instant`.
    public func legalDue(at instant: Instant) -> Instant? {
        dues.last { $0.from <= instant }?.due ?? dues.first?.due
    }

    /// The due of the first apology (the rescheduled appointment), beside the legal due.
    public var rescheduledDue: Instant? { apologies.first?.newDue }

    public var isFinished: Bool { finish != nil }

    /// The step holding the dossier at `instant`: the one that started last at or before it.
    public func custody(at instant: Instant) -> Step? {
        steps.last { $0.start <= instant }
    }

    /// Whether a supplement request was open at `instant`.
    public func isWaiting(at instant: Instant) -> Bool {
        supplements.contains { $0.requestedAt <= instant && ($0.receivedAt.map { instant < $0 } ?? true) }
    }

    /// The state of a dossier from its events (voids included), or nil before any: time travel
    /// for case histories and views.
    ///
    /// - `.version(n)`: after its first `n` events, as the log stood then (later corrections unknown).
    /// - `.instant(t)`: what was effective on the whole of `events` (every correction in them
    ///   applies, also to the past), folded up to `t`: a correction applies to every report.
    ///
    /// Events must be the dossier's, in order.
    public static func fold(_ events: some Sequence<DossierEvent>, rules: DomainRules, through limit: FoldLimit = .all) throws(EventRejection) -> DossierState? {
        var replay: DossierReplay?
        for event in events {
            if case .version(let n) = limit, (replay?.state.version ?? 0) >= n { break }
            var next = replay ?? DossierReplay(dossier: event.dossier)
            try next.apply(event, rules: rules)
            replay = next
        }
        guard let replay else { return nil }
        guard case .instant(let t) = limit else { return replay.state }
        return replay.state(at: t, rules: rules)
    }
}

/// How far a fold goes.
public enum FoldLimit: Sendable, Hashable {
    case all
    case version(Int)
    case instant(Instant)
}
