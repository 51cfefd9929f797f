/// A finished dossier's on-time class (deadlines.md).
public enum OnTimeClass: String, Sendable, Hashable, CaseIterable {
    case early
    case onTime = "on_time"
    case late
}

/// A dossier at a report instant: finished with a class, or open and in time or overdue.
public enum Standing: Sendable, Hashable {
    case finished(OnTimeClass)
    /// Open: overdue or not; `waiting` when a supplement request is open (always in time then).
    case open(overdue: Bool, waiting: Bool)
    /// The legal due cannot be computed (see the due's problem).
    case unknown
}

/// A step as judged at a report instant.
public struct StepJudgement: Sendable, Hashable {
    public var step: Step
    /// The step's due moved later by the working time it waited for the applicant; nil: no due.
    public var due: Instant?
    public var isLate: Bool
    /// W(due, end or report instant) in the holder unit's hours, microseconds; 0 when not late.
    public var overrun: Int64
    public var isOpen: Bool { step.end == nil }
}

/// A violation of the rules of indicators.md, attributed and placed in time.
public struct Violation: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case lateWithoutApology = "late_without_apology"
        case apologyTooLate = "apology_too_late"
        case repeatedReschedule = "repeated_reschedule"
        case lateSupplementRequest = "late_supplement_request"
    }

    public var kind: Kind
    /// The instant that places it in a period.
    public var at: Instant
    public var officer: String?
    public var unit: String

    public init(kind: Kind, at: Instant, officer: String?, unit: String) {
        self.kind = kind
        self.at = at
        self.officer = officer
        self.unit = unit
    }
}

/// A legal due that passed while the dossier was open and not waiting (what the sweep records).
public struct MissedDue: Sendable, Hashable {
    public var due: Instant
    public var holderActor: String?
    public var holderUnit: String

    public init(due: Instant, holderActor: String?, holderUnit: String) {
        self.due = due
        self.holderActor = holderActor
        self.holderUnit = holderUnit
    }
}

extension DossierState {
    /// The class of a finished dossier: judged at ``Finish/judgedAt`` against the legal due in
    /// force then, as instants; `dateOnly` compares local dates only (some provinces' convention,
    /// always labelled as such).
    public func onTimeClass(dateOnly: Bool = false) -> OnTimeClass? {
        guard let finish, let due = legalDue(at: finish.judgedAt) else { return nil }
        let judged = finish.judgedAt
        if dateOnly {
            if judged.localDate > due.localDate { return .late }
            return judged.localDate < due.localDate ? .early : .onTime
        }
        if judged > due { return .late }
        return judged.localDate < due.localDate ? .early : .onTime
    }

    /// Where the dossier stands at `instant` (use a state folded up to that instant).
    public func standing(at instant: Instant) -> Standing {
        if finish != nil { return onTimeClass().map(Standing.finished) ?? .unknown }
        guard receipt != nil else { return .unknown }
        if isWaiting { return .open(overdue: false, waiting: true) }
        guard let due = legalDue else { return .unknown }
        return .open(overdue: instant > due, waiting: false)
    }

    /// Working time by which the dossier is overdue at `instant` (W(due, instant) in the
    /// receiving unit's hours), or for a dossier finished late its overrun W(due, judged).
    public func overdueTime(at instant: Instant, rules: DomainRules) throws(CalendarError) -> Int64 {
        guard let receipt else { return 0 }
        let end = finish?.judgedAt ?? instant
        guard let due = legalDue(at: end), end > due else { return 0 }
        return try rules.schedule(for: receipt.unit).workingTime(from: due, to: end)
    }

    /// Every step (that `keep` keeps) judged at `instant`: its due extended by the applicant's
    /// waits inside it, whether it ran late, and by how much.
    public func judgedSteps(at instant: Instant, rules: DomainRules, where keep: (Step) -> Bool = { _ in true }) throws(CalendarError) -> [StepJudgement] {
        var result: [StepJudgement] = []
        for step in steps where keep(step) {
            let schedule = rules.schedule(for: step.holderUnit)
            let end = step.end ?? instant
            guard let base = step.baseDue else {
                result.append(StepJudgement(step: step, due: nil, isLate: false, overrun: 0))
                continue
            }
            var waited: Int64 = 0
            for wait in supplements {
                let from = max(wait.requestedAt, step.start)
                let to = min(wait.receivedAt ?? instant, end)
                if from < to { waited += try schedule.workingTime(from: from, to: to) }
            }
            let due = try schedule.advance(base, by: waited)
            let late = end > due
            result.append(StepJudgement(step: step, due: due, isLate: late,
                                        overrun: late ? try schedule.workingTime(from: due, to: end) : 0))
        }
        return result
    }

    /// The steps holding the dossier at `instant` (started before it and not ended by it),
    /// judged as open at `instant`: whether they were late then, and their overrun so far.
    public func openSteps(at instant: Instant, rules: DomainRules) throws(CalendarError) -> [StepJudgement] {
        var then = self
        then.steps = steps.compactMap { step in
            guard step.start < instant, step.end.map({ $0 > instant }) ?? true else { return nil }
            var open = step
            open.end = nil
            return open
        }
        return try then.judgedSteps(at: instant, rules: rules)
    }

    /// Legal dues that passed while the dossier was open and not waiting, up to `instant`, with
    /// the holder at each due (indicators.md, `deadlines_missed`; the sweep's facts).
    public func missedDues(asOf instant: Instant) -> [MissedDue] {
        var missed: [MissedDue] = []
        for (index, entry) in dues.enumerated() {
            guard let due = entry.due else { continue }
            var end = instant
            if index + 1 < dues.count { end = min(end, dues[index + 1].from) }
            if let finish { end = min(end, finish.judgedAt) }
            guard due < end, !isWaiting(at: due) else { continue }
            let holder = custody(at: due)
            missed.append(MissedDue(due: due, holderActor: holder?.holderActor, holderUnit: holder?.holderUnit ?? receipt?.unit ?? ""))
        }
        return missed
    }

    /// The violations of this dossier, judged on its whole history at the report instant.
    public func violations(at instant: Instant, rules: DomainRules) throws(CalendarError) -> [Violation] {
        guard let receipt else { return [] }
        var found: [Violation] = []
        let receiving = rules.schedule(for: receipt.unit)

        // late_without_apology: finished late, or overdue now, and never apologised; placed at
        // the first legal due it missed, attributed to the holder at that due.
        let lateNow: Bool = switch standing(at: instant) {
        case .finished(.late): true
        case .open(overdue: true, _): true
        default: false
        }
        if lateNow, apologies.isEmpty, let first = missedDues(asOf: instant).first {
            found.append(Violation(kind: .lateWithoutApology, at: first.due, officer: officer(first.holderActor), unit: first.holderUnit))
        }

        for (index, apology) in apologies.enumerated() {
            let holder = apology.legalDue.flatMap { custody(at: $0) }
            if index == 0 {
                // Issued after the closing time of the working day before the due's date.
                if let due = apology.legalDue {
                    var day = due.localDate + -1
                    while try !receiving.isWorkingDay(day) { day = day + -1 }
                    if apology.at > receiving.closingTime(of: day) {
                        found.append(Violation(kind: .apologyTooLate, at: apology.at, officer: officer(holder?.holderActor), unit: apology.responsibleUnit))
                    }
                }
            } else {
                found.append(Violation(kind: .repeatedReschedule, at: apology.at, officer: officer(holder?.holderActor), unit: apology.responsibleUnit))
            }
        }

        // late_supplement_request: more than 3 working days (3·L) after receipt, for every request.
        let allowance = 3 * receiving.hours.dayLength
        for wait in supplements where try receiving.workingTime(from: receipt.at, to: wait.requestedAt) > allowance {
            found.append(Violation(kind: .lateSupplementRequest, at: wait.requestedAt, officer: officer(wait.actor), unit: wait.unit))
        }
        return found
    }

    /// Quyết định 766 indicator 2.1: on time when F₇₆₆ ≤ due₇₆₆ (deadlines.md); nil when not
    /// judgeable (not received, or no due at receipt).
    public func onTime766(periodEnd: Instant) -> Bool? {
        guard receipt != nil, let due = dues.first?.due else { return nil }
        // More than one request made before the period end: late (a request made later never
        // changes a closed period's score).
        if supplements.count(where: { $0.requestedAt < periodEnd }) > 1 { return false }
        var completedWaits: Int64 = 0
        for wait in supplements {
            if let back = wait.receivedAt, back <= periodEnd, finish.map({ back <= $0.at }) ?? true {
                completedWaits += back - wait.requestedAt
            }
        }
        let f: Instant
        if let finish, finish.at < periodEnd {
            f = finish.judgedAt  // stopped or withdrawn while waiting: the request's instant
        } else if let wait = supplements.first(where: { $0.requestedAt < periodEnd && ($0.receivedAt.map { $0 > periodEnd } ?? true) }) {
            f = wait.requestedAt  // still waiting at the period end
        } else {
            f = periodEnd
        }
        return f + -completedWaits <= due
    }

    private func officer(_ actor: String?) -> String? {
        isOfficer(actor) ? actor : nil
    }
}

/// Whether `actor` is an officer: `citizen`, `system` and `postal` are not (indicators.md).
public func isOfficer(_ actor: String?) -> Bool {
    guard let actor else { return false }
    return !["citizen", "system", "postal"].contains(actor)
}
