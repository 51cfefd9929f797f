public import DossierDomain
import DossierLog
import EventLog
import LedgerLMDB
import Projections

/// Filters of the late list; they combine.
public struct LateFilter: Sendable, Hashable {
    /// The unit holding the dossier at the report instant, or any unit under it in the unit tree.
    public var unit: String?
    public var procedure: String?
    /// The officer holding it.
    public var officer: String?
    /// Also dossiers finished late by the report instant.
    public var includeFinished = false

    public init(unit: String? = nil, procedure: String? = nil, officer: String? = nil, includeFinished: Bool = false) {
        self.unit = unit
        self.procedure = procedure
        self.officer = officer
        self.includeFinished = includeFinished
    }
}

extension LateEntry: ReportRow {
    public static let fields = ["dossier", "procedure", "competent_unit", "received", "due", "rescheduled_due", "hours_overdue",
                                "holder_actor", "holder_unit", "apology", "supplements", "status", "finished", "class"]
    public var values: [Value] {
        [.text(dossier), .text(procedure), .text(competentUnit), .instant(received), .instant(due), .instant(rescheduledDue),
         .hours(rounded2(hoursOverdue)), holderActor.map(Value.text) ?? .null, .text(holderUnit), .flag(apology),
         .integer(supplements), .text(status.rawValue), .instant(finished), onTimeClass.map { .text($0.rawValue) } ?? .null]
    }
}

extension Inspector {
    /// The late list as of `asOf` (default: the latest event's `at`): open dossiers overdue then,
    /// and with ``LateFilter/includeFinished`` those finished late, longest overdue first
    /// (indicators.md, "Late list").
    ///
    /// Open dossiers come from the `by_end` index (those not finished at T whose earliest due
    /// is before T); each is judged on its state as of T: the stored state when it has no
    /// later event, else a fold of its events up to T.
    public func lateList(asOf: Instant? = nil, filter: LateFilter = LateFilter()) async throws -> Report<LateEntry> {
        let (provenance, instant, found) = try snapshot(asOf: asOf) { txn, instant in
            try lateCandidates(at: instant, includeFinished: filter.includeFinished, txn)
        }
        var states = found.current
        for code in found.refold {
            if let state = try await log.state(of: code, through: .instant(instant), checkpoint: provenance.checkpoint.position) {
                states.append(state)
            }
        }
        var entries: [LateEntry] = []
        for state in states {
            guard let entry = try state.lateEntry(at: instant, rules: rules, includeFinished: filter.includeFinished),
                  matches(entry, filter, on: instant.localDate) else { continue }
            entries.append(entry)
        }
        return Report(title: "Late dossiers as of \(instant)", provenance: provenance, reportInstant: instant,
                      rows: LateEntry.ordered(entries))
    }

    private func matches(_ entry: LateEntry, _ filter: LateFilter, on date: LocalDate) -> Bool {
        if let procedure = filter.procedure, entry.procedure != procedure { return false }
        if let officer = filter.officer, entry.holderActor != officer { return false }
        if let unit = filter.unit, !rules.catalog.lineage(of: entry.holderUnit, on: date).contains(unit) { return false }
        return true
    }

    /// States that may be late at `instant`: current ones (no event after it) and the codes of
    /// those to fold again up to it.
    func lateCandidates(at instant: Instant, includeFinished: Bool, _ txn: borrowing ReadTransaction) throws -> (current: [DossierState], refold: [String]) {
        let projection = dossiers.projection
        var codes: [String] = []
        try txn.withCursor(on: projection.byEnd) { cursor in
            var step = Cursor.Position.atLeast(TimeKey.bytes(instant + 1))
            while let code = try cursor.move(to: step, { key, value -> String? in
                let due = TimeKey.microseconds(value, at: 0), received = TimeKey.microseconds(value, at: 8)
                return due < instant.microseconds && received <= instant.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : ""
            }) {
                if let code, !code.isEmpty { codes.append(code) }
                step = .next
            }
        }
        if includeFinished {
            try txn.withCursor(on: projection.finishedLate) { cursor in
                var step = Cursor.Position.first
                while let code = try cursor.move(to: step, { key, _ -> String? in
                    TimeKey.microseconds(key, at: 0) <= instant.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : nil
                }), let code {
                    codes.append(code)
                    step = .next
                }
            }
        }
        var current: [DossierState] = []
        var refold: [String] = []
        for code in codes {
            guard let state = try projection.state(of: code, in: txn) else { continue }
            if let last = state.lastAt, last > instant { refold.append(code) } else { current.append(state) }
        }
        return (current, refold)
    }
}
