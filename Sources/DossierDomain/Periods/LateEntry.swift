/// One row of the late list (indicators.md, "Late list"): an open dossier overdue at the report
/// instant, or (when asked) one finished late.
public struct LateEntry: Sendable, Hashable {
    public var dossier: String
    public var procedure: String
    public var competentUnit: String
    public var received: Instant
    /// The legal due it is judged against.
    public var due: Instant
    public var rescheduledDue: Instant?
    /// Working time overdue in the receiving unit's hours: W(due, T) for an open dossier,
    /// W(due, J) for a finished one (J: the instant it was judged at).
    public var overdue: Int64
    /// Custody at T (open) or at the finish (finished).
    public var holderActor: String?
    public var holderUnit: String
    public var apology: Bool
    /// Supplement requests so far.
    public var supplements: Int
    public var status: DossierStatus
    public var finished: Instant?
    public var onTimeClass: OnTimeClass?

    /// Hours overdue, as the JSON field `hours_overdue` gives them.
    public var hoursOverdue: Double { Double(overdue) / 3_600_000_000 }

    /// The list's order: longest overdue first, ties by dossier code.
    public static func ordered(_ entries: [LateEntry]) -> [LateEntry] {
        entries.sorted { $0.overdue != $1.overdue ? $0.overdue > $1.overdue : $0.dossier < $1.dossier }
    }
}

extension DossierState {
    /// The dossier's late-list row at `instant`, or nil when it is not late then. The state must
    /// be folded through `instant` (``fold(_:rules:through:)`` with `.instant`).
    public func lateEntry(at instant: Instant, rules: DomainRules, includeFinished: Bool = false) throws(CalendarError) -> LateEntry? {
        guard let receipt else { return nil }
        let holder: Step?
        switch standing(at: instant) {
        case .open(overdue: true, _):
            holder = custody(at: instant)
        case .finished(.late) where includeFinished:
            holder = finish.flatMap { custody(at: $0.at) }
        default:
            return nil
        }
        let judged = finish?.judgedAt ?? instant
        guard let due = legalDue(at: judged) else { return nil }
        return listed(due: due, holder: holder, overdue: try overdueTime(at: instant, rules: rules))
    }

    /// The row of a dossier's list (late or due soon) against `due`, held by `holder`.
    func listed(due: Instant, holder: Step?, overdue: Int64) -> LateEntry? {
        guard let receipt else { return nil }
        return LateEntry(dossier: dossier, procedure: receipt.procedure, competentUnit: receipt.competentUnit,
                         received: receipt.at, due: due, rescheduledDue: rescheduledDue, overdue: overdue,
                         holderActor: holder?.holderActor, holderUnit: holder?.holderUnit ?? receipt.unit,
                         apology: !apologies.isEmpty, supplements: supplements.count, status: status,
                         finished: finish?.at, onTimeClass: onTimeClass())
    }
}
