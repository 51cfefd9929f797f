public import DossierDomain
import DossierLog
import EventLog
public import Projections

/// What a sweep did (indicators.md, "Sweep").
public struct SweepResult: Sendable {
    public let provenance: Provenance
    public let asOf: Instant
    /// The `deadline_missed` events appended.
    public let appended: [DossierEvent]
    /// Dossiers overdue whose missed due was recorded already.
    public let alreadyPresent: Int
    /// Dossiers overdue at the instant that cannot take the event (they have events after it:
    /// a sweep in the past), with the reason.
    public let refused: [String]
}

extension Inspector {
    /// Appends `deadline_missed` for every dossier open and not waiting at `instant` whose legal
    /// due in force is strictly before it and has no `deadline_missed` yet: id
    /// `<dossier>:missed:<due in whole Unix seconds>`, actor `system`, `at` the instant, unit and
    /// holder the custody at the due. The projections must be caught up (a second sweep then
    /// adds nothing). Appends in atomic batches of `batchSize` dossiers, each at its version.
    ///
    /// - Throws: ``EventRejection`` for an instant in the future beyond the store's time tolerance
    ///   (its events would be dated then).
    public func sweep(asOf instant: Instant, batchSize: Int = 1000, progress: @Sendable (WorkProgress) -> Void = { _ in }) async throws -> SweepResult {
        try ledger.timeGuard.check(instant, eventID: nil)
        // Candidates as of the instant, and the latest state of those with later events (an
        // event appended now must follow those).
        let selection = try await dossiers.openDossiers(asOf: instant, .dueBefore)
        let (provenance, later) = (selection.provenance, selection.later)
        var asOfStates = selection.current
        for state in later {
            if let asOf = try await log.state(of: state.dossier, through: .instant(instant), checkpoint: provenance.checkpoint.position) { asOfStates.append(asOf) }
        }
        let latest = Dictionary(later.map { ($0.dossier, $0) }) { a, _ in a }
        var proposals: [(DossierEvent, StreamVersion)] = []
        var already = 0
        var refused: [String] = []
        for state in asOfStates.sorted(by: { $0.dossier < $1.dossier }) {
            guard case .open(overdue: true, waiting: false) = state.standing(at: instant), let due = state.legalDue else { continue }
            if state.recordedMisses.contains(where: { $0.due == due }) { already += 1; continue }
            let holder = state.custody(at: due)
            let unit = holder?.holderUnit ?? state.receipt?.unit ?? ""
            let seconds = due.microseconds >= 0 ? due.microseconds / 1_000_000 : (due.microseconds - 999_999) / 1_000_000
            let event = DossierEvent(id: "\(state.dossier):missed:\(seconds)", dossier: state.dossier, at: instant, actor: "system",
                                     unit: unit, note: nil,
                                     body: .deadlineMissed(DeadlineMissed(due: due, holderUnit: unit, holderActor: holder?.holderActor)))
            let now = latest[state.dossier] ?? state
            do {
                try now.check(event)
                proposals.append((event, StreamVersion(UInt64(now.version))))
            } catch {
                refused.append("\(state.dossier): \(error.rule)")
            }
        }
        var done = 0
        for start in stride(from: 0, to: proposals.count, by: batchSize) {
            let batch = Array(proposals[start..<min(start + batchSize, proposals.count)])
            _ = try await ledger.append(checked: batch, rules: rules)
            done += batch.count
            progress(WorkProgress(done: done, total: proposals.count))
        }
        return SweepResult(provenance: provenance, asOf: instant, appended: proposals.map(\.0), alreadyPresent: already, refused: refused)
    }
}
