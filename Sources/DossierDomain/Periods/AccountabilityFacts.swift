/// An officer's or a unit's accountability counts for a period (indicators.md, "Accountability").
/// Counts of disjoint sets of facts add up: those of a quarter are its months' (but for the steps
/// open at its end, which are its last month's).
public struct AccountabilityCounts: Sendable, Hashable {
    public var stepsHeld = 0
    public var stepsFinished = 0
    public var stepsLate = 0
    /// Working microseconds by which late steps finished in the period overran.
    public var overrun: Int64 = 0
    public var stepsOpenLate = 0
    public var openOverrun: Int64 = 0
    public var deadlinesMissed = 0
    public var lateWithoutApology = 0
    public var apologyTooLate = 0
    public var repeatedReschedule = 0
    public var lateSupplementRequest = 0
    public var complaints = 0
    public var dissatisfied = 0
    public var homeVisits = 0
    /// Events voided by a correction made in the period: a signal, not a fault.
    public var entriesVoided = 0

    public init() {}

    public subscript(violation kind: Violation.Kind) -> Int {
        get {
            switch kind {
            case .lateWithoutApology: lateWithoutApology
            case .apologyTooLate: apologyTooLate
            case .repeatedReschedule: repeatedReschedule
            case .lateSupplementRequest: lateSupplementRequest
            }
        }
        set {
            switch kind {
            case .lateWithoutApology: lateWithoutApology = newValue
            case .apologyTooLate: apologyTooLate = newValue
            case .repeatedReschedule: repeatedReschedule = newValue
            case .lateSupplementRequest: lateSupplementRequest = newValue
            }
        }
    }

    /// The counts in a fixed order (the order of the stored form).
    public var all: [Int64] {
        [Int64(stepsHeld), Int64(stepsFinished), Int64(stepsLate), overrun, Int64(stepsOpenLate), openOverrun, Int64(deadlinesMissed),
         Int64(lateWithoutApology), Int64(apologyTooLate), Int64(repeatedReschedule), Int64(lateSupplementRequest), Int64(complaints),
         Int64(dissatisfied), Int64(homeVisits), Int64(entriesVoided)]
    }

    /// Counts from ``all``'s order (missing ones zero).
    public init(_ all: some Collection<Int64>) {
        let v = Array(all) + Array(repeating: 0, count: max(0, 15 - all.count))
        (stepsHeld, stepsFinished, stepsLate, overrun, stepsOpenLate, openOverrun) = (Int(v[0]), Int(v[1]), Int(v[2]), v[3], Int(v[4]), v[5])
        (deadlinesMissed, lateWithoutApology, apologyTooLate, repeatedReschedule, lateSupplementRequest) = (Int(v[6]), Int(v[7]), Int(v[8]), Int(v[9]), Int(v[10]))
        (complaints, dissatisfied, homeVisits, entriesVoided) = (Int(v[11]), Int(v[12]), Int(v[13]), Int(v[14]))
    }

    public static func + (a: AccountabilityCounts, b: AccountabilityCounts) -> AccountabilityCounts {
        var sum = a
        sum += b
        return sum
    }

    /// Field by field (the projection adds millions of these in a rebuild).
    public static func += (a: inout AccountabilityCounts, b: AccountabilityCounts) {
        a.stepsHeld += b.stepsHeld; a.stepsFinished += b.stepsFinished; a.stepsLate += b.stepsLate; a.overrun += b.overrun
        a.stepsOpenLate += b.stepsOpenLate; a.openOverrun += b.openOverrun; a.deadlinesMissed += b.deadlinesMissed
        a.lateWithoutApology += b.lateWithoutApology; a.apologyTooLate += b.apologyTooLate; a.repeatedReschedule += b.repeatedReschedule
        a.lateSupplementRequest += b.lateSupplementRequest; a.complaints += b.complaints; a.dissatisfied += b.dissatisfied
        a.homeVisits += b.homeVisits; a.entriesVoided += b.entriesVoided
    }

    /// The counts times `factor` (-1 takes them off).
    public func scaled(by factor: Int64) -> AccountabilityCounts { factor == 1 ? self : AccountabilityCounts(all.map { $0 * factor }) }
}

/// One fact of a dossier's record, attributed to an officer (when there is one) and a unit and
/// placed in periods by its own instant.
public struct AccountabilityFact: Sendable, Hashable {
    public let officer: String?
    public let unit: String
    public let at: Instant
    /// What it adds.
    public let counts: AccountabilityCounts

    /// The row it counts for: its officer (none for no officer, the citizen or the system) or its unit.
    public func row(by attribution: Attribution) -> String? {
        switch attribution {
        case .officer: officer.flatMap { isOfficer($0) ? $0 : nil }
        case .unit: unit
        }
    }

    init(_ officer: String?, _ unit: String, _ at: Instant, _ change: (inout AccountabilityCounts) -> Void) {
        var counts = AccountabilityCounts()
        change(&counts)
        (self.officer, self.unit, self.at, self.counts) = (officer, unit, at, counts)
    }
}

extension DossierState {
    /// The corrections of this dossier, each counting for whoever recorded the event it voided
    /// (no calendar needed: they count also when the dossier cannot be judged, or counts nowhere).
    public var voidFacts: [AccountabilityFact] {
        voids.map { void in AccountabilityFact(void.targetActor, void.targetUnit, void.at) { $0.entriesVoided = 1 } }
    }

    /// Steps held and finished (late or not), legal dues missed, violations, complaints and
    /// dissatisfied ratings, home-support visits: every fact but the voids and the steps open
    /// at a period's end, judged on the history at `instant`; of the custody steps, only those
    /// `judging` keeps (a view of one officer's or unit's facts judges only theirs).
    public func judgedFacts(at instant: Instant, rules: DomainRules, judging keep: (Step) -> Bool = { _ in true }) throws(CalendarError) -> [AccountabilityFact] {
        var facts: [AccountabilityFact] = []
        for judged in try judgedSteps(at: instant, rules: rules, where: keep) {
            let step = judged.step
            facts.append(AccountabilityFact(step.holderActor, step.holderUnit, step.start) { $0.stepsHeld = 1 })
            if let end = step.end {
                facts.append(AccountabilityFact(step.holderActor, step.holderUnit, end) { counts in
                    counts.stepsFinished = 1
                    if judged.isLate { (counts.stepsLate, counts.overrun) = (1, judged.overrun) }
                })
            }
        }
        for missed in missedDues(asOf: instant) {
            facts.append(AccountabilityFact(missed.holderActor, missed.holderUnit, missed.due) { $0.deadlinesMissed = 1 })
        }
        for violation in try violations(at: instant, rules: rules) {
            facts.append(AccountabilityFact(violation.officer, violation.unit, violation.at) { $0[violation: violation.kind] = 1 })
        }
        for event in feedback {
            guard case .feedback(let f) = event.body else { continue }
            let complaint = f.complaint == true, unhappy = f.rating == .dissatisfied
            guard complaint || unhappy else { continue }
            facts.append(AccountabilityFact(f.aboutActor, event.unit, event.at) { counts in
                if complaint { counts.complaints = 1 }
                if unhappy { counts.dissatisfied = 1 }
            })
        }
        for event in visits { facts.append(AccountabilityFact(event.actor, event.unit, event.at) { $0.homeVisits = 1 }) }
        return facts
    }

    /// The steps holding the dossier at `instant` that were late then, with their overrun so far.
    public func openLateFacts(at instant: Instant, rules: DomainRules) throws(CalendarError) -> [AccountabilityFact] {
        try openSteps(at: instant, rules: rules).filter(\.isLate).map { judged in
            AccountabilityFact(judged.step.holderActor, judged.step.holderUnit, instant) { ($0.stepsOpenLate, $0.openOverrun) = (1, judged.overrun) }
        }
    }
}

/// Who the accountability view attributes to.
public enum Attribution: String, Sendable, Hashable, CaseIterable {
    case officer
    case unit
}

/// What facts count for one row: the counts and the units the facts happened in.
public struct AccountabilityShare: Sendable, Hashable {
    public var counts = AccountabilityCounts()
    public var units: Set<String> = []

    public init() {}

    /// One dossier's facts grouped into the rows they count for, keyed by officer (facts of no
    /// officer, the citizen or the system count for none) or by unit.
    public static func rows(_ facts: some Sequence<AccountabilityFact>, by attribution: Attribution) -> [String: AccountabilityShare] {
        var rows: [String: AccountabilityShare] = [:]
        for fact in facts {
            guard let key = fact.row(by: attribution) else { continue }
            rows[key, default: AccountabilityShare()].counts += fact.counts
            rows[key, default: AccountabilityShare()].units.insert(fact.unit)
        }
        return rows
    }
}
