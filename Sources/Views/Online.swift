public import DossierDomain
public import Projections

/// One row of the online rate: dossiers received in the period by channel.
public struct OnlineRow: ReportRow, Hashable {
    public var group: String
    public var counts = ReceiptCounts.Counts()

    public var onlineRate: Double? { percentage(counts.online, of: counts.total) }

    public static let fields = ["group", "received", "online", "online_full", "online_partial", "direct", "postal", "online_rate"]
    public var values: [Value] {
        [.text(group), .integer(counts.total), .integer(counts.online), .integer(counts.onlineFull), .integer(counts.onlinePartial),
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
                rows[group, default: OnlineRow(group: group)].counts = rows[group, default: OnlineRow(group: group)].counts + counts
            }
        }
        return Report(title: "Online rate \(period) by receiving unit", provenance: provenance, reportInstant: nil,
                      rows: rows.keys.sorted().compactMap { rows[$0] } + [total])
    }
}
