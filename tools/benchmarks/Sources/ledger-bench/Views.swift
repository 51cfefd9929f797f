import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import Projections
import ProvinceGenerator
import Views

/// The projections' benchmark: a demo province of about `--events` events (5.4 events per
/// dossier; `--corrections` of them with a correction, 0.5% by default), imported, then every
/// built-in projection rebuilt from seq 1, then the views queried.
func viewsBenchmark(_ options: Options) async throws {
    let directory = options.directory + "/province"
    let dossiers = max(1, options.events * 10 / 54)
    let reuse = ProcessInfo.processInfo.environment["BENCH_REUSE"] == "1"
        && FileManager.default.fileExists(atPath: options.directory + "/views/data.mdb")
    var start = ContinuousClock.now
    let store: LMDBEventStore
    if reuse {
        // BENCH_REUSE=1: the store of an earlier run, to measure rebuilds and queries again.
        store = try LMDBEventStore(path: options.directory + "/views")
        print("reusing the store in \(options.directory)/views")
    } else {
        let (_, generated) = try ProvinceGenerator(options: .init(dossiers: dossiers, corrections: options.corrections)).write(to: directory)
        print("generated \(generated.formatted()) events of \(dossiers.formatted()) dossiers in \(String(format: "%.1f", seconds(ContinuousClock.now - start))) s")
        sync()  // the file on disk first, so that its write-back does not slow the import measured
        store = try freshStore(options, "views")
        try await DossierLedger(store: store).record(Province().entries)
        start = ContinuousClock.now
        let (summary, peak) = try await peakAnonymousMemory { try await DossierLedger(store: store).importEvents(path: directory + "/events.jsonl") }
        print("import: \(rate(summary.appended, ContinuousClock.now - start)); peak anonymous memory \(peak) MB")
    }
    let ledger = DossierLedger(store: store)

    let engine = try ProjectionEngine(storePath: options.directory + "/views", ledger: ledger)
    let head = try await store.head()?.position.rawValue ?? 0
    start = ContinuousClock.now
    try await engine.rebuild(builtInProjections)
    print("rebuild of all projections (the log read once): \(rate(Int(head), ContinuousClock.now - start))")
    start = ContinuousClock.now
    let dossierProjection = try await engine.rebuild(DossierProjection.self)
    print("  dossiers alone: \(rate(Int(head), ContinuousClock.now - start))")
    start = ContinuousClock.now
    let receipts = try await engine.rebuild(ReceiptCounts.self)
    print("  receipts alone: \(rate(Int(head), ContinuousClock.now - start))")
    let inspector = try await Inspector(ledger: ledger, dossiers: dossierProjection, receipts: receipts)

    func timed<R>(_ label: String, runs: Int = 20, _ body: () async throws -> R) async throws -> R {
        var durations: [Duration] = []
        var result: R?
        for _ in 0..<runs {
            let t = ContinuousClock.now
            result = try await body()
            durations.append(ContinuousClock.now - t)
        }
        durations.sort()
        print("\(label): p50 \(String(format: "%.1f", seconds(durations[runs / 2]) * 1000)) ms, max \(String(format: "%.1f", seconds(durations[runs - 1]) * 1000)) ms")
        guard let result else { throw BenchError("\(label) ran no query") }
        return result
    }
    let late = try await timed("late list (now, whole province)") { try await inspector.lateList() }
    print("  \(late.rows.count) dossiers overdue at \(late.reportInstant.map(\.description) ?? "-")")
    _ = try await timed("late list (one commune)") { try await inspector.lateList(filter: LateFilter(unit: "H19.X07")) }
    let soon = try await timed("due-soon list (now, whole province)") { try await inspector.dueSoonList() }
    print("  \(soon.rows.count) dossiers due within an office day")
    let past = try Instant(rfc3339: "2025-03-14T10:00:00+07:00")
    let earlier = try await timed("late list (as of 2025-03-14, refolds dossiers with later events)", runs: 5) { try await inspector.lateList(asOf: past) }
    print("  \(earlier.rows.count) dossiers overdue then")
    let quarter = try Period.parse("2025-Q3")
    let rates = try await timed("on-time rates 2025-Q3 by unit", runs: 3) { try await inspector.onTimeRates(period: quarter, by: .competentUnit) }
    if let total = rates.rows.last { print("  total: population \(total.population), on-time rate \(total.onTimeRate ?? 0)%, 766 score \(total.score766 ?? 0)") }
    _ = try await timed("online rate 2025", runs: 5) { try await inspector.onlineRates(period: try Period.parse("2025")) }
    _ = try await timed("accountability 2025-Q3 by officer", runs: 3) { try await inspector.accountability(period: quarter, by: .officer) }
}
