import DossierDomain
import DossierLog
import Foundation
import LedgerTesting
import Projections
import Testing
@testable import Views

/// The counts the `dossiers` projection keeps per period slot answer exactly what judging every
/// dossier answers, however the log came in.
@Suite(.temporaryDirectory)
struct KeptCountsTests {
    /// Every month, quarter and year, calendar and cut on the 15th, from 2023-12 to 2027-01.
    static let periods: [Period] = PeriodSlot.Kind.allCases.flatMap { kind in
        let first = PeriodSlot(kind, holding: Instant(localDate: LocalDate(year: 2023, month: 12, day: 1), microsecondOfDay: 0))
        let last = PeriodSlot(kind, holding: Instant(localDate: LocalDate(year: 2027, month: 1, day: 31), microsecondOfDay: 0))
        return (first.index...last.index).map { PeriodSlot(kind: kind, index: $0).period() }
    }

    /// Both ways for every period and roll-up; the number of dossiers they counted in all.
    private func compare(_ inspector: Inspector, _ moment: String) async throws -> Int {
        var counted = 0
        for period in Self.periods {
            for rollUp in RollUp.allCases {
                let kept = try await inspector.onTimeRates(period: period, by: .competentUnit, rollUp: rollUp, keptCounts: true)
                let folded = try await inspector.onTimeRates(period: period, by: .competentUnit, rollUp: rollUp, keptCounts: false)
                #expect(kept.rows == folded.rows, "\(moment): \(period) rolled up by \(rollUp)")
                #expect(kept.unjudged == folded.unjudged && kept.provenance == folded.provenance)
                counted += folded.rows.last?.population ?? 0
            }
            for attribution in Attribution.allCases {
                let kept = try await inspector.accountability(period: period, by: attribution, listingDossiers: false)
                let judged = try await inspector.accountability(period: period, by: attribution)
                #expect(kept.rows.allSatisfy { $0.dossiers.isEmpty })
                #expect(kept.rows == judged.rows.map { row in
                    var counted = row
                    counted.dossiers = []
                    return counted
                }, "\(moment): accountability \(period) by \(attribution)")
                #expect(kept.unjudged == judged.unjudged && kept.provenance == judged.provenance)
                counted += judged.rows.count
                // A row's link: its dossiers, each with its share, adding up to the row.
                for row in judged.rows.prefix(3) {
                    let behind = try await inspector.accountabilityDossiers(period: period, by: attribution, row: row.officer ?? row.unit)
                    #expect(Set(behind.rows.flatMap(\.dossiers)) == row.dossiers, "\(moment): dossiers of \(row.officer ?? row.unit) in \(period)")
                    #expect(behind.rows.map(\.counts).reduce(AccountabilityCounts(), +) == row.counts)
                }
            }
        }
        return counted
    }

    @Test("kept on-time and accountability counts equal a judgement of every dossier after each batch, corrections included, and after a rebuild")
    func keptEqualsFolded() async throws {
        let (ledger, path) = try await provinceStore()
        let lines = try provinceLines(seed: 7, dossiers: 400, corrections: 0.2)
        let engine = try ProjectionEngine(storePath: path, ledger: ledger)
        let size = lines.count / 6 + 1
        var judgedWhenAsked = 0
        for (index, start) in stride(from: 0, to: lines.count, by: size).enumerated() {
            try await importLines(ledger, lines[start..<min(lines.count, start + size)], name: "part-\(index).jsonl")
            let inspector = try await Inspector.open(engine)
            #expect(try await compare(inspector, "after part \(index)") > 0)
            // Dossiers open at the end of a part are judged when asked, the finished ones are kept.
            let latest = try #require(try await inspector.dossiers.latestAt())
            let open = try await inspector.dossiers.periodRates(PeriodSlot(.year, holding: latest)).unsettled
            judgedWhenAsked += open.count
        }
        #expect(judgedWhenAsked > 0)
        let rebuilt = try await Inspector(ledger: ledger, dossiers: try await engine.rebuild(DossierProjection.self),
                                          receipts: try await engine.open(ReceiptCounts.self))
        #expect(try await compare(rebuilt, "after a rebuild") > 0)
    }
}
