public import DossierDomain
public import Projections

/// One row of the online rate: dossiers received in the period by channel.
public struct OnlineRow: ReportRow, Hashable {
    public var group: String
    /// The receiving unit's name (in force on the period's last day); nil for the total.
    public var name: String?
    /// Its place in the tree it rolls up through.
    public var place = TreePlace()
    public var counts = ReceiptCounts.Counts()

    public var onlineRate: Double? { percentage(counts.online, of: counts.total) }

    public static let fields = ["group", "name", "level", "parent", "received", "online", "online_full", "online_partial", "direct", "postal", "online_rate"]
    public var values: [Value] {
        [.text(group), name.map(Value.text) ?? .null] + place.values + [.integer(counts.total), .integer(counts.online), .integer(counts.onlineFull), .integer(counts.onlinePartial),
         .integer(counts.direct), .integer(counts.postal), .percent(onlineRate)]
    }
}

extension Inspector {
    /// The online rate of `period` per receiving unit (rolled up like the on-time rate) with a
    /// total row, from the daily receipt counts (indicators.md, "Online rate").
    public func onlineRates(period: Period, rollUp: RollUp = .tree) async throws -> Report<OnlineRow> {
        let (provenance, perUnit) = try await receipts().receipts(from: period.firstDay, through: period.lastDay)
        let today = try await dossiers.latestAt()?.localDate ?? period.lastDay
        var rows: [String: OnlineRow] = [:]
        var total = OnlineRow(group: "total")
        for (unit, counts) in perUnit {
            total.counts = total.counts + counts
            for group in units(unit, period: period, rollUp: rollUp, today: today) {
                var row = rows[group] ?? OnlineRow(group: group, name: rules.catalog.name(of: .unit, group, on: period.lastDay),
                                                   place: treePlace(of: group, on: rollUp == .successors ? today : period.lastDay))
                row.counts = row.counts + counts
                rows[group] = row
            }
        }
        var report = Report(title: "Online rate \(period) by receiving unit", provenance: provenance, reportInstant: nil,
                            rows: rows.keys.sorted().compactMap { rows[$0] } + [total])
        report.period = period
        return report
    }
}
