import DossierLog
import EventLog
import EventLogLMDB
import EventLogPostgres
import Foundation
import LedgerClusters
import ProvinceGenerator
import Synchronization

/// `ledger-bench backends`: LMDB and PostgreSQL side by side on the same events, in one run:
/// durable single appends, 16 and 64 concurrent appenders, the validated import of a demo province
/// of about 1 million events and (when larger) of about `--events`, each beside a plain `COPY` of
/// the same rows by `psql` (for scale), then on the 1 million a full replay and a dossier's history
/// p50/p99. PostgreSQL is a throwaway cluster on loopback, on the same disk, with its default
/// settings (`synchronous_commit = on`).
func backendsBenchmark(_ options: Options) async throws {
    let cluster = try PostgresCluster(in: options.directory)
    defer { cluster.stop() }
    let databases = Mutex<[String]>([])
    let backends: [(String, () async throws -> any EventStore & BulkLoading)] = [
        ("LMDB", { try freshStore(options, "backend-\(UUID().uuidString.prefix(8))") }),
        ("PostgreSQL", {
            let url = try cluster.createDatabase()
            databases.withLock { $0.append(url) }
            return try await PostgresEventStore.open(try PostgresLocation(url: url))
        }),
    ]
    func row(_ measure: String, _ figures: [String]) {
        print(measure.padding(toLength: 44, withPad: " ", startingAt: 0) + figures.map { $0.padding(toLength: 56, withPad: " ", startingAt: 0) }.joined())
    }
    row("", backends.map(\.0))

    var singles: [Double] = []
    for (_, open) in backends { singles.append(try await appendRate(open(), appenders: 1, total: 500)) }
    row("durable single appends", singles.map { "\(Int($0).formatted()) events/s" })
    for appenders in [16, 64] {
        var rates: [String] = []
        for ((_, open), single) in zip(backends, singles) {
            let perSecond = try await appendRate(open(), appenders: appenders, total: 16_000)
            rates.append("\(Int(perSecond).formatted()) events/s = \(String(format: "%.1f", perSecond / single))× single")
        }
        row("\(appenders) concurrent appenders", rates)
    }

    /// Imports a province of about `events` events into each backend; returns the stores.
    func imports(_ events: Int, province: String) async throws -> [any EventStore & BulkLoading] {
        let (_, generated) = try ProvinceGenerator(options: .init(dossiers: max(1, events * 10 / 54))).write(to: province)
        sync()
        var stores: [any EventStore & BulkLoading] = []
        var figures: [String] = []
        for (_, open) in backends {
            let store = try await open()
            try await DossierLedger(store: store).record(Province().entries)
            let start = ContinuousClock.now
            let (summary, peak) = try await peakAnonymousMemory { try await DossierLedger(store: store).importEvents(path: province + "/events.jsonl") }
            figures.append("\(rate(summary.appended, ContinuousClock.now - start)), peak \(peak) MB")
            stores.append(store)
        }
        row("validated import of \(generated.formatted()) events", figures)
        let imported = try PostgresLocation(url: databases.withLock { $0.last ?? "" }).database
        row("plain COPY of the same rows by psql", ["", try plainCopy(cluster, database: imported, rows: generated)])
        return stores
    }
    let province = options.directory + "/province"
    let stores = try await imports(1_000_000, province: province)
    if options.events > 1_000_000 {
        let larger = options.directory + "/province-\(options.events)"
        _ = try await imports(options.events, province: larger)
        // Only imported into: its file and its PostgreSQL database go at once, to spare the disk.
        try? FileManager.default.removeItem(atPath: larger)
        let database = try PostgresLocation(url: databases.withLock { $0.last ?? "" }).database
        try cluster.run("dropdb", ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", cluster.user, database])
    }

    // The first read after a load also writes (PostgreSQL sets each row's hint bits): twice.
    for pass in ["first", "second"] {
        row("full replay (reduceRecords), \(pass) pass", try await stores.asyncMap { store in
            let head = try await store.head()?.position ?? .first
            let start = ContinuousClock.now
            let count = try await store.reduceRecords(in: .first...head, into: 0) { count, _ in count += 1 }
            return rate(count, ContinuousClock.now - start)
        })
    }
    row("a dossier's history, p50 / p99", try await stores.asyncMap { store in try await historyLatencies(store, province: province) })
}

/// Appends `total` events from `appenders` tasks, each durable before the next; events per second.
func appendRate(_ store: any EventStore, appenders: Int, total: Int) async throws -> Double {
    let each = total / appenders
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<appenders {
            group.addTask {
                for n in 0..<each {
                    let (stream, event) = try Workload.event(worker * each + n)
                    _ = try await store.append([event], to: stream)
                }
            }
        }
        try await group.waitForAll()
    }
    return Double(appenders * each) / seconds(ContinuousClock.now - start)
}

/// The time of a plain `COPY` of the imported rows into a table like the log's, by `psql`.
private func plainCopy(_ cluster: PostgresCluster, database: String, rows: Int) throws -> String {
    let file = cluster.directory + "/rows.copy"
    let psql = ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", cluster.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-q"]
    try cluster.run("psql", psql + ["-c", "\\copy dossierledger_events TO '\(file)'", "-c", "CREATE TABLE plain (LIKE dossierledger_events INCLUDING ALL)"])
    let start = ContinuousClock.now
    try cluster.run("psql", psql + ["-c", "\\copy plain FROM '\(file)'"])
    defer { try? FileManager.default.removeItem(atPath: file) }
    return rate(rows, ContinuousClock.now - start)
}

private func historyLatencies(_ store: any EventStore, province: String) async throws -> String {
    // The dossiers of the file's first 16 MiB.
    let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: province + "/events.jsonl")).read(upToCount: 16 << 20) ?? Data()
    let dossiers = String(decoding: head, as: UTF8.self).split(separator: "\n").compactMap { line in
        line.range(of: #""dossier":""#).map { String(line[$0.upperBound...].prefix { $0 != "\"" }) }
    }
    var latencies: [Duration] = []
    for _ in 0..<2_000 {
        let stream = try StreamID(dossiers.randomElement() ?? "")
        let start = ContinuousClock.now
        _ = try await store.read(stream: stream, from: StreamVersion(1), direction: .forward, limit: 1_000)
        latencies.append(ContinuousClock.now - start)
    }
    latencies.sort()
    func micros(_ q: Double) -> String { String(format: "%.0f µs", seconds(latencies[Int(Double(latencies.count - 1) * q)]) * 1e6) }
    return "\(micros(0.5)) / \(micros(0.99))"
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
