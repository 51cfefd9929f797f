public import DossierDomain
import DossierLog
import EventLog
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

extension DueSoonEntry: ReportRow {
    public static let fields = ["dossier", "procedure", "competent_unit", "received", "due", "rescheduled_due", "hours_remaining",
                                "holder_actor", "holder_unit", "apology", "supplements", "status"]
    public var values: [Value] {
        // The late list's values by name, with the hours remaining in place of the hours overdue.
        let late = Dictionary(uniqueKeysWithValues: zip(LateEntry.fields, entry.values))
        return Self.fields.map { $0 == "hours_remaining" ? .hours(rounded2(hoursRemaining)) : late[$0] ?? .null }
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
    ///
    /// - Throws: ``UnknownFilter`` for a unit, procedure or officer the catalogs do not know.
    public func lateList(asOf: Instant? = nil, filter: LateFilter = LateFilter()) async throws -> Report<LateEntry> {
        let (provenance, instant, states) = try await statesOpen(asOf: asOf, filter: filter, overdueOnly: true)
        var entries: [LateEntry] = []
        var unjudged = UnjudgedDossiers()
        for state in states {
            guard let entry = try unjudged.judge(state, { () throws(CalendarError) in
                try state.lateEntry(at: instant, rules: rules, includeFinished: filter.includeFinished)
            }), matches(procedure: entry.procedure, holder: entry.holderActor, unit: entry.holderUnit, filter, on: instant.localDate) else { continue }
            entries.append(entry)
        }
        var report = Report(title: "Late dossiers as of \(instant)", provenance: provenance, reportInstant: instant,
                            rows: LateEntry.ordered(entries))
        report.unjudged = kept(unjudged, among: states, filter, at: instant)
        return report
    }

    /// The due-soon list as of `asOf` (default: the latest event's `at`): open dossiers in time
    /// then, not waiting, whose legal due comes within `within` working hours (default: the
    /// receiving unit's office day), least time remaining first (indicators.md, "Due-soon list").
    /// The late list's filters apply (``LateFilter/includeFinished`` is ignored).
    /// - Throws: ``UnknownFilter`` for a unit, procedure or officer the catalogs do not know.
    public func dueSoonList(asOf: Instant? = nil, within hours: Double? = nil, filter: LateFilter = LateFilter()) async throws -> Report<DueSoonEntry> {
        let (provenance, instant, states) = try await statesOpen(asOf: asOf, filter: filter, overdueOnly: false)
        let within = hours.map { Int64(($0 * 3_600_000_000).rounded()) }
        var entries: [DueSoonEntry] = []
        var unjudged = UnjudgedDossiers()
        for state in states {
            guard let entry = try unjudged.judge(state, { () throws(CalendarError) in try state.dueSoonEntry(at: instant, within: within, rules: rules) }),
                  matches(procedure: entry.procedure, holder: entry.holderActor, unit: entry.holderUnit, filter, on: instant.localDate) else { continue }
            entries.append(entry)
        }
        var report = Report(title: "Due soon as of \(instant)", provenance: provenance, reportInstant: instant,
                            rows: DueSoonEntry.ordered(entries))
        report.unjudged = kept(unjudged, among: states, filter, at: instant)
        return report
    }

    /// The unjudged dossiers that the filters would keep (custody needs no calendar).
    private func kept(_ found: UnjudgedDossiers, among states: [DossierState], _ filter: LateFilter, at instant: Instant) -> [Unjudged] {
        let byCode = Dictionary(states.map { ($0.dossier, $0) }) { first, _ in first }
        return found.sorted.filter { item in
            guard let state = byCode[item.dossier], let receipt = state.receipt else { return false }
            let holder = state.custody(at: instant)
            return matches(procedure: receipt.procedure, holder: holder?.holderActor, unit: holder?.holderUnit ?? receipt.unit, filter, on: instant.localDate)
        }
    }

    /// The states of the dossiers open at the report instant (with those finished late when
    /// asked) as of that instant, once the filters are checked against the catalogs.
    private func statesOpen(asOf: Instant?, filter: LateFilter, overdueOnly: Bool) async throws -> (Provenance, Instant, [DossierState]) {
        let selection = try await dossiers.openDossiers(asOf: asOf, overdueOnly ? .dueBefore : .all, includeFinishedLate: overdueOnly && filter.includeFinished)
        let instant = selection.instant
        try rules.catalog.checkFilters(unit: filter.unit, procedure: filter.procedure, officer: filter.officer, upTo: instant.localDate)
        var states = selection.current
        for later in selection.later {
            if let state = try await log.state(of: later.dossier, through: .instant(instant), checkpoint: selection.provenance.checkpoint.position) {
                states.append(state)
            }
        }
        return (selection.provenance, instant, states)
    }

    private func matches(procedure: String, holder: String?, unit: String, _ filter: LateFilter, on date: LocalDate) -> Bool {
        if let wanted = filter.procedure, procedure != wanted { return false }
        if let officer = filter.officer, holder != officer { return false }
        if let wanted = filter.unit, !rules.catalog.lineage(of: unit, on: date).contains(wanted) { return false }
        return true
    }

}
