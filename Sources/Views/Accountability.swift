public import DossierDomain
import Projections

/// One officer's or one unit's record for a period (indicators.md, "Accountability"): its
/// counts (`row.stepsLate` is `row.counts.stepsLate`) and the dossiers behind them.
@dynamicMemberLookup
public struct AccountabilityRow: ReportRow, Hashable {
    /// The officer (officer rows), nil for unit rows.
    public var officer: String?
    /// The unit (unit rows), or the officer's unit in the officer catalog (else the smallest code
    /// of the units their facts of the period happened in).
    public var unit: String
    /// The officer's name (officer rows) or the unit's (unit rows), in force on the period's last day.
    public var name: String?
    public var counts = AccountabilityCounts()
    /// The dossiers behind the counts; empty when they were not listed.
    public var dossiers: Set<String> = []

    public init(officer: String?, unit: String) {
        self.officer = officer
        self.unit = unit
    }

    public subscript(dynamicMember path: WritableKeyPath<AccountabilityCounts, Int>) -> Int {
        get { counts[keyPath: path] }
        set { counts[keyPath: path] = newValue }
    }

    public subscript(dynamicMember path: WritableKeyPath<AccountabilityCounts, Int64>) -> Int64 {
        get { counts[keyPath: path] }
        set { counts[keyPath: path] = newValue }
    }

    /// The violations counted, by kind (kinds not met left out).
    public var violations: [Violation.Kind: Int] {
        Dictionary(uniqueKeysWithValues: Violation.Kind.allCases.compactMap { kind in counts[violation: kind] > 0 ? (kind, counts[violation: kind]) : nil })
    }

    public var violationCount: Int { counts.lateWithoutApology + counts.apologyTooLate + counts.repeatedReschedule + counts.lateSupplementRequest }
    /// Everything that counts against the row.
    public var faults: Int { counts.stepsLate + counts.stepsOpenLate + counts.deadlinesMissed + violationCount + counts.complaints }
    /// A reward: steps held, none late (finished or open at the end), no missed legal due, no
    /// violation, no complaint (corrections are not faults).
    public var deservesReward: Bool { counts.stepsHeld > 0 && faults == 0 }

    public static let fields = ["officer", "unit", "name", "steps_held", "steps_finished", "steps_late", "overrun_hours", "steps_open_late",
                                "open_overrun_hours", "deadlines_missed", "late_without_apology", "apology_too_late",
                                "repeated_reschedule", "late_supplement_request", "complaints", "dissatisfied", "home_visits", "entries_voided", "dossiers"]
    public var values: [Value] {
        let c = counts
        return [officer.map(Value.text) ?? .null, .text(unit), name.map(Value.text) ?? .null, .integer(c.stepsHeld), .integer(c.stepsFinished),
                .integer(c.stepsLate), .hours(rounded2(Double(c.overrun) / 3_600_000_000)), .integer(c.stepsOpenLate),
                .hours(rounded2(Double(c.openOverrun) / 3_600_000_000)), .integer(c.deadlinesMissed), .integer(c.lateWithoutApology),
                .integer(c.apologyTooLate), .integer(c.repeatedReschedule), .integer(c.lateSupplementRequest),
                .integer(c.complaints), .integer(c.dissatisfied), .integer(c.homeVisits), .integer(c.entriesVoided), .codes(dossiers.sorted())]
    }
}

/// Rows being counted: each dossier's share added to its rows.
struct AccountabilityTally {
    var rows: [String: AccountabilityShare] = [:]
    var dossiers: [String: Set<String>] = [:]

    /// Adds one dossier's facts.
    mutating func add(_ state: DossierState, facts: [AccountabilityFact], by attribution: Attribution) {
        for (key, share) in AccountabilityShare.rows(facts, by: attribution) {
            rows[key, default: AccountabilityShare()].counts += share.counts
            rows[key, default: AccountabilityShare()].units.formUnion(share.units)
            dossiers[key, default: []].insert(state.dossier)
        }
    }
}

extension Inspector {
    /// Accountability for `period` per officer or per unit (direct attribution, not rolled up).
    /// Steps, dues, violations, feedback and visits are placed in the period by their own
    /// instant; violations are judged on the whole log at the report instant (the latest `at`).
    /// With `unit`, only rows of that unit and the units under it. Rows with the most faults
    /// first; with `rewards`, only the rows that deserve a reward (officers with steps held and
    /// no fault).
    ///
    /// With `listingDossiers` false, over a month, quarter or year (cut on the 15th or not), the
    /// settled dossiers' counts are read as the projection keeps them and only the others are
    /// judged: the same counts, without the dossiers' codes.
    public func accountability(period: Period, by attribution: Attribution, unit: String? = nil, rewards: Bool = false,
                               listingDossiers: Bool = true) async throws -> Report<AccountabilityRow> {
        try await accountability(period: period, by: [attribution], unit: unit, rewards: rewards, listingDossiers: listingDossiers)[0]
    }

    /// The same report by each of `attributions`, in order, from one snapshot: each dossier is
    /// judged once for all of them (a unit's page shows its officers and its units).
    public func accountability(period: Period, by attributions: [Attribution], unit: String? = nil, rewards: Bool = false,
                               listingDossiers: Bool = true) async throws -> [Report<AccountabilityRow>] {
        try rules.catalog.checkFilters(unit: unit, procedure: nil, officer: nil, upTo: period.lastDay)
        var tallies = attributions.map { _ in AccountabilityTally() }
        var unjudged = UnjudgedDossiers()
        let provenance: Provenance, instant: Instant, found: [DossierState]
        if !listingDossiers, let slot = PeriodSlot(period) {
            let kept = try await dossiers.keptAccountability(slot, by: attributions)
            (provenance, instant, found) = (kept.provenance, kept.instant, kept.unsettled)
            for index in tallies.indices { tallies[index].rows = kept.settled[index] }
        } else {
            let selection = try await dossiers.dossiers(activeIn: period)
            (provenance, instant, found) = (selection.provenance, selection.instant, selection.current)
        }
        for (state, facts) in zip(found, try facts(of: found, in: period, at: instant, &unjudged)) {
            for (index, attribution) in attributions.enumerated() { tallies[index].add(state, facts: facts, by: attribution) }
        }
        return zip(attributions, tallies).map { attribution, tally in
            report(tally, period: period, by: attribution, unit: unit, rewards: rewards, listingDossiers: listingDossiers, provenance: provenance,
                   instant: instant, unjudged: unjudged)
        }
    }

    /// A tally's rows named, filtered to `unit`'s subtree (and to the rewarded), most faults first.
    private func report(_ tally: AccountabilityTally, period: Period, by attribution: Attribution, unit: String?, rewards: Bool, listingDossiers: Bool,
                        provenance: Provenance, instant: Instant, unjudged: UnjudgedDossiers) -> Report<AccountabilityRow> {
        var result = tally.rows.map { key, share in
            var row: AccountabilityRow
            switch attribution {
            case .officer: row = AccountabilityRow(officer: key, unit: rules.catalog.officers[key]?.unit ?? share.units.min() ?? "")
            case .unit: row = AccountabilityRow(officer: nil, unit: key)
            }
            row.counts = share.counts
            if listingDossiers { row.dossiers = tally.dossiers[key] ?? [] }
            return row
        }
        if let unit {
            let date = period.treeDate
            result = result.filter { rules.catalog.lineage(of: $0.unit, on: date).contains(unit) }
        }
        if rewards { result = result.filter(\.deservesReward) }
        for index in result.indices {
            let row = result[index]
            result[index].name = row.officer.map { rules.catalog.name(of: .officer, $0, on: period.lastDay) }
                ?? rules.catalog.name(of: .unit, row.unit, on: period.lastDay)
        }
        result = Self.mostFaultsFirst(result) { $0.officer ?? $0.unit }
        let title = rewards ? "Reward list \(period)" : "Accountability \(period) by \(attribution.rawValue)"
        var report = Report(title: title, provenance: provenance, reportInstant: instant, rows: result)
        report.unjudged = unjudged.sorted
        report.period = period
        return report
    }

    /// The dossiers behind one row of ``accountability(period:by:unit:rewards:listingDossiers:)``
    /// (`row`: an officer, or a unit), each with what it counts for that row: one report row per
    /// dossier (its code in `dossiers`), the most faults first. Over a month, quarter or year the
    /// candidates are the dossiers the projection lists under the row's months, else every
    /// dossier of the period.
    public func accountabilityDossiers(period: Period, by attribution: Attribution, row key: String) async throws -> Report<AccountabilityRow> {
        let selection = if let slot = PeriodSlot(period) {
            try await dossiers.keptRowDossiers(slot, by: attribution, row: key)
        } else {
            try await dossiers.dossiers(activeIn: period)
        }
        let instant = selection.instant
        var unjudged = UnjudgedDossiers()
        var result: [AccountabilityRow] = []
        // Only this row's steps are judged: the others count for other rows.
        let byOfficer = attribution == .officer
        let ownSteps: @Sendable (Step) -> Bool = { step in byOfficer ? step.holderActor == key : step.holderUnit == key }
        let name = rules.catalog.name(of: byOfficer ? .officer : .unit, key, on: period.lastDay)
        for (state, facts) in zip(selection.current, try facts(of: selection.current, in: period, at: instant, &unjudged, steps: ownSteps)) {
            let own = facts.filter { $0.row(by: attribution) == key }
            guard !own.isEmpty, let share = AccountabilityShare.rows(own, by: attribution)[key] else { continue }
            var row = attribution == .officer ? AccountabilityRow(officer: key, unit: share.units.min() ?? "") : AccountabilityRow(officer: nil, unit: key)
            (row.counts, row.dossiers) = (share.counts, [state.dossier])
            row.name = name
            result.append(row)
        }
        result = Self.mostFaultsFirst(result) { $0.dossiers.first ?? "" }
        var report = Report(title: "Accountability \(period) of \(key), by dossier", provenance: selection.provenance, reportInstant: instant, rows: result)
        report.unjudged = unjudged.sorted
        report.period = period
        return report
    }

    /// Rows with the most faults first, then by `name` (each key computed once: pages sort
    /// thousands of rows).
    private static func mostFaultsFirst(_ rows: [AccountabilityRow], name: (AccountabilityRow) -> String) -> [AccountabilityRow] {
        rows.map { (faults: $0.faults, name: Array(name($0).utf8), row: $0) }
            .sorted { $0.faults != $1.faults ? $0.faults > $1.faults : $0.name.lexicographicallyPrecedes($1.name) }
            .map(\.row)
    }

    /// Each dossier's facts that count in `period`, judged at `instant`: those placed in it, and
    /// the steps open and late at its end (or at `instant`, when earlier). Every judgement needs
    /// the dossier's calendar years: without one, only its voids count and it is listed as unjudged.
    /// `steps`: the custody steps worth judging (those of one row, for its dossiers' page).
    private func facts(of states: [DossierState], in period: Period, at instant: Instant, _ unjudged: inout UnjudgedDossiers,
                       steps: @escaping @Sendable (Step) -> Bool = { _ in true }) throws -> [[AccountabilityFact]] {
        let rules = rules
        let judged = try unjudged.judgeAll(states) { state throws(CalendarError) in
            try state.judgedFacts(at: instant, rules: rules, judging: steps).filter { period.contains($0.at) } + state.openLateFacts(at: min(period.end, instant), rules: rules)
        }
        return zip(states, judged).map { state, facts in state.voidFacts.filter { period.contains($0.at) } + (facts ?? []) }
    }
}
