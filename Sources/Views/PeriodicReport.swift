public import DossierDomain
import Projections

/// One unit's line of the periodic report, in the layout provincial reports use: dossiers to
/// resolve, resolved, in progress, with the on-time rate and the 766 score.
public struct PeriodicRow: ReportRow, Hashable {
    public var rates: RateRow

    public static let fields = ["unit", "name", "level", "parent", "to_resolve", "received_online", "carried_over", "received_direct_postal",
                                "resolved", "early", "on_time", "late", "in_progress", "not_yet_due", "overdue", "on_time_rate", "score_766"]
    public var values: [Value] {
        let r = rates
        return [.text(r.group), r.name.map(Value.text) ?? .null] + r.place.values + [
            .integer(r.population), .integer(r.receivedOnline), .integer(r.carriedOver), .integer(r.received - r.receivedOnline),
            .integer(r.early + r.onTime + r.late), .integer(r.early), .integer(r.onTime), .integer(r.late),
            .integer(r.openInTime + r.openOverdue), .integer(r.openInTime), .integer(r.openOverdue),
            .percent(r.onTimeRate), .points(r.score766),
        ]
    }
}

extension Inspector {
    /// The periodic report of `period` (`dossier report`): the on-time rate's counts per
    /// competent unit, rolled up the tree of the period's last day, laid out as provincial
    /// reports are (to resolve: received online, carried over, received direct and by post;
    /// resolved: early, on time, late; in progress: not yet due, overdue), each unit followed by
    /// the units under it, with names; with `unit`, that unit's subtree only, else a total last.
    /// - Throws: ``UnknownFilter`` for a unit the catalogs do not know.
    public func periodicReport(period: Period, unit: String? = nil) async throws -> Report<PeriodicRow> {
        try rules.catalog.checkFilters(unit: unit, procedure: nil, officer: nil, upTo: period.lastDay)
        let rates = try await onTimeRates(period: period, by: .competentUnit)
        var rows = rates.rows.filter { $0.group != "total" }
        if let unit { rows = rows.filter { rules.catalog.lineage(of: $0.group, on: period.treeDate).contains(unit) } }
        // Depth first: each unit, then the units under it, by code.
        let present = Set(rows.map(\.group))
        let children = Dictionary(grouping: rows) { $0.place.parent.flatMap { present.contains($0) ? $0 : nil } ?? "" }
        var ordered: [PeriodicRow] = []
        func visit(_ parent: String) {
            for row in (children[parent] ?? []).sorted(by: { $0.group < $1.group }) {
                ordered.append(PeriodicRow(rates: row))
                visit(row.group)
            }
        }
        visit("")
        if unit == nil, let total = rates.rows.last { ordered.append(PeriodicRow(rates: total)) }
        var report = Report(title: "Periodic report \(period)", provenance: rates.provenance, reportInstant: rates.reportInstant, rows: ordered)
        report.unjudged = rates.unjudged
        report.period = period
        return report
    }
}
