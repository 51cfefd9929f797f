public import DossierDomain
import Projections

/// How the on-time rate groups dossiers (indicators.md).
public enum Grouping: String, Sendable, Hashable, CaseIterable {
    case competentUnit = "unit"
    case receivingUnit = "receiving-unit"
    case procedure
    case channel
    /// The officer holding the dossier at its finish (or at the period end when still open).
    case officer
}

/// How unit groups roll up.
public enum RollUp: String, Sendable, Hashable, CaseIterable {
    /// Through the unit tree as it was on the period's last day (the default).
    case tree
    /// To today's successors of units that ended, then through today's tree.
    case successors
    /// Not at all: each dossier in its own unit's row only.
    case none
}

/// One row of the on-time rate: its counts (`row.late` is `row.counts.late`) and where it sits.
@dynamicMemberLookup
public struct RateRow: ReportRow, Hashable {
    public var group: String
    /// The group's name when it is a unit, procedure or officer (in force on the period's last day).
    public var name: String?
    /// A unit group's place in the tree it rolls up through.
    public var place = TreePlace()
    public var counts = OutcomeCounts()

    public init(group: String) { self.group = group }

    public subscript(dynamicMember path: WritableKeyPath<OutcomeCounts, Int>) -> Int {
        get { counts[keyPath: path] }
        set { counts[keyPath: path] = newValue }
    }

    /// (early + on time + open in time) / population, percent, 2 decimals half up.
    public var onTimeRate: Double? { percentage(counts.early + counts.onTime + counts.openInTime, of: counts.population) }
    /// The same fraction under the 766 variant × 20 points.
    public var score766: Double? { percentage(counts.onTime766, of: counts.population).map { rounded2($0 / 5) } }

    public static let fields = ["group", "name", "level", "parent", "population", "received", "carried_over", "early", "on_time", "late", "open_in_time",
                                "open_overdue", "waiting", "withdrawn", "due_soon", "not_returned", "on_time_rate", "score_766"]
    public var values: [Value] {
        let c = counts
        return [.text(group), name.map(Value.text) ?? .null] + place.values + [.integer(c.population), .integer(c.received), .integer(c.carriedOver), .integer(c.early),
         .integer(c.onTime), .integer(c.late), .integer(c.openInTime), .integer(c.openOverdue), .integer(c.waiting), .integer(c.withdrawn),
         .integer(c.dueSoon), .integer(c.notReturned), .percent(onTimeRate), .points(score766)]
    }
}

extension Inspector {
    /// The on-time rate of `period` by `grouping`, over the period's population, with a total row
    /// last (`group` "total"): each dossier counts once in the total and, for unit groupings, in
    /// its unit's row and every ancestor's.
    ///
    /// A dossier whose legal due is unknown (its procedure missing from the catalog) cannot be
    /// bucketed and is left out; the case history says why. One whose due needs a calendar year
    /// not loaded is left out and listed in ``Report/unjudged``.
    ///
    /// By unit over a month, quarter or year (cut on the 15th or not), the settled dossiers'
    /// counts are read as the projection keeps them per unit and only the open ones are judged;
    /// the answer is the same as folding every dossier (`keptCounts: false`), which other
    /// groupings and ranges of dates do.
    public func onTimeRates(period: Period, by grouping: Grouping, rollUp: RollUp = .tree) async throws -> Report<RateRow> {
        try await onTimeRates(period: period, by: grouping, rollUp: rollUp, keptCounts: true)
    }

    func onTimeRates(period: Period, by grouping: Grouping, rollUp: RollUp, keptCounts: Bool) async throws -> Report<RateRow> {
        if keptCounts, grouping == .competentUnit, let slot = PeriodSlot(period) {
            let kept = try await dossiers.periodRates(slot)
            var perUnit = kept.settled
            var unjudged = UnjudgedDossiers()
            for (_, receipt, outcome) in try outcomes(of: kept.unsettled, in: period, &unjudged) {
                perUnit[receipt.competentUnit, default: OutcomeCounts()].count(outcome)
            }
            var rows: [String: RateRow] = [:]
            var total = RateRow(group: "total")
            for (unit, counts) in perUnit {
                total.counts += counts
                for group in units(unit, period: period, rollUp: rollUp, today: kept.instant.localDate) { rows[group, default: RateRow(group: group)].counts += counts }
            }
            return rateReport(rows, total, period: period, grouping: grouping, rollUp: rollUp, provenance: kept.provenance, instant: kept.instant, unjudged: unjudged)
        }
        let selection = try await dossiers.dossiers(activeIn: period)
        let (provenance, instant, found) = (selection.provenance, selection.instant, selection.current)
        var rows: [String: RateRow] = [:]
        var total = RateRow(group: "total")
        var unjudged = UnjudgedDossiers()
        for (state, receipt, outcome) in try outcomes(of: found, in: period, &unjudged) {
            total.counts.count(outcome)
            for group in groups(of: state, receipt: receipt, grouping, period: period, rollUp: rollUp, today: instant.localDate) {
                rows[group, default: RateRow(group: group)].counts.count(outcome)
            }
        }
        return rateReport(rows, total, period: period, grouping: grouping, rollUp: rollUp, provenance: provenance, instant: instant, unjudged: unjudged)
    }

    /// The outcome in `period` of each of `states` in its population, judged on every core (those
    /// that cannot be judged are collected in `unjudged`, those whose due is unknown left out).
    private func outcomes(of states: [DossierState], in period: Period, _ unjudged: inout UnjudgedDossiers) throws -> [(DossierState, Receipt, PeriodOutcome)] {
        let population = states.filter { $0.receipt != nil && $0.isInPopulation(of: period) }
        let rules = rules
        let judged = try unjudged.judgeAll(population) { state throws(CalendarError) in try state.outcome(in: period, rules: rules) }
        return zip(population, judged).compactMap { state, outcome in
            guard let outcome, let receipt = state.receipt else { return nil }
            return (state, receipt, outcome)
        }
    }

    /// The rows named and placed in the tree, sorted, the total last.
    private func rateReport(_ rows: [String: RateRow], _ total: RateRow, period: Period, grouping: Grouping, rollUp: RollUp,
                            provenance: Provenance, instant: Instant, unjudged: UnjudgedDossiers) -> Report<RateRow> {
        let kind: NamedKind? = switch grouping {
        case .competentUnit, .receivingUnit: .unit
        case .procedure: .procedure
        case .officer: .officer
        case .channel: nil
        }
        let named = rows.keys.sorted().compactMap { key -> RateRow? in
            var row = rows[key]
            row?.name = kind.flatMap { rules.catalog.name(of: $0, key, on: period.lastDay) }
            if kind == .unit { row?.place = treePlace(of: key, on: rollUp == .successors ? instant.localDate : period.lastDay) }
            return row
        }
        var report = Report(title: "On-time rate \(period) by \(grouping.rawValue)", provenance: provenance, reportInstant: instant,
                            rows: named + [total])
        report.period = period
        report.unjudged = unjudged.sorted
        return report
    }

    private func groups(of state: DossierState, receipt: Receipt, _ grouping: Grouping, period: Period, rollUp: RollUp, today: LocalDate) -> [String] {
        switch grouping {
        case .competentUnit: return units(receipt.competentUnit, period: period, rollUp: rollUp, today: today)
        case .receivingUnit: return units(receipt.unit, period: period, rollUp: rollUp, today: today)
        case .procedure: return [receipt.procedure]
        case .channel: return [receipt.channel.rawValue]
        case .officer:
            let at = state.finish.map { min($0.at, period.end + -1) } ?? period.end + -1
            return [state.custody(at: at)?.holderActor ?? "(no officer)"]
        }
    }

    /// The unit and the units it rolls up to.
    func units(_ unit: String, period: Period, rollUp: RollUp, today: LocalDate) -> [String] {
        switch rollUp {
        case .tree: rules.catalog.lineage(of: unit, on: period.treeDate)
        case .successors: rules.catalog.lineage(of: rules.catalog.successor(of: unit, on: today), on: today)
        case .none: [unit]
        }
    }
}
