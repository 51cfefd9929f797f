// The event store's benchmark. `make bench`, or:
//   swift build -c release --product ledger-bench
//   .build/release/ledger-bench all [--events N] [--dir DIR]
//   .build/release/ledger-bench demo --store DIR
// Each figure is measured on a real LMDB store on this machine's disk, with ~220-byte events
// shaped like dossier events (25-character dossier codes, ten events per dossier, a thousand
// dossiers open at a time).
import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerLMDB

struct Options {
    var command = "all"
    var events = 1_000_000
    /// `views`: the share of the province's dossiers with a correction (the demo's 0.5% by default).
    var corrections = 0.005
    /// `pages`: requests per page.
    var runs = 5
    var directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(getpid())").path
    /// Whether `directory` is the bench's own (removed at the end), not one given with `--dir`.
    var ownsDirectory = true

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        if let first = rest.first, !first.hasPrefix("--") { command = first; rest = rest.dropFirst() }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--events": guard let n = Int(value), n > 0 else { throw BenchError("--events takes a positive number") }; events = n
            case "--dir", "--store": (directory, ownsDirectory) = (value, false)
            case "--runs": guard let n = Int(value), n > 0 else { throw BenchError("--runs takes a positive number") }; runs = n
            case "--corrections": guard let r = Double(value), (0...1).contains(r) else { throw BenchError("--corrections takes a share from 0 to 1") }; corrections = r
            default: throw BenchError("unknown option \(flag); use all|single|group|bulk|read|history|import|views|proofs|backends|serve [--events N] [--dir DIR] [--corrections R], demo --store DIR, or pages --store DIR [--runs N]")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Event `i` of the workload: dossier `(i % 1000) + (i / 10_000) * 1000`, so each dossier gets
/// ten events spread over 10,000 appends, as in a desk's day.
enum Workload {
    static let type = "dossier.forwarded.v1"
    static let payloadBody = [UInt8]("{\"to_unit\":\"H19.17.TP\",\"to_actor\":\"cv.tuphap.02\",\"step_hours\":16}".utf8)

    static func dossier(_ i: Int) -> String {
        let d = (i % 1000) + (i / 10_000) * 1000
        // Up to 9,999 dossiers a day; days 2024-01-01 onwards (28-day months keep dates valid).
        let dayIndex = d / 9_999, number = d % 9_999 + 1
        let date = (24 + dayIndex / 336) * 10_000 + (1 + dayIndex / 28 % 12) * 100 + (1 + dayIndex % 28)
        return "000.00.17.H19-\(date)-" + String(repeating: "0", count: 4 - String(number).count) + String(number)
    }

    static func event(_ i: Int, prefix: String = "ev") throws -> (StreamID, ProposedEvent) {
        var payload = payloadBody
        payload.append(UInt8(truncatingIfNeeded: i))
        return (try StreamID(dossier(i)), try ProposedEvent(id: EventID("\(prefix)-\(i)"), type: type, payload: payload))
    }
}

/// The workload's events `range`, produced as the bulk loader iterates.
struct WorkloadSequence: Sequence, IteratorProtocol, Sendable {
    var index: Int
    let end: Int
    init(_ range: Range<Int>) { (index, end) = (range.lowerBound, range.upperBound) }
    mutating func next() -> (StreamID, ProposedEvent)? {
        guard index < end else { return nil }
        defer { index += 1 }
        // The workload's fields are valid by construction.
        return try! Workload.event(index)
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func rate(_ count: Int, _ duration: Duration) -> String {
    let perSecond = Double(count) / seconds(duration)
    return "\(Int(perSecond).formatted()) events/s (\(count.formatted()) in \(String(format: "%.2f", seconds(duration))) s)"
}

func freshStore(_ options: Options, _ name: String) throws -> LMDBEventStore {
    let path = options.directory + "/" + name
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    return try LMDBEventStore(path: path, configuration: .init(initialMapSize: 1 << 30))
}

func singleAppends(_ options: Options) async throws -> Double {
    let perSecond = try await appendRate(try freshStore(options, "single"), appenders: 1, total: 2_000)
    print("durable single-event appends:       \(Int(perSecond).formatted()) events/s (2,000)")
    return perSecond
}

func groupCommit(_ options: Options, appenders: Int, single: Double?) async throws {
    let perSecond = try await appendRate(try freshStore(options, "group\(appenders)"), appenders: appenders, total: 32_000)
    let ratio = single.map { String(format: " = %.1f× single", perSecond / $0) } ?? ""
    print("durable group commit, \(appenders) appenders: \(Int(perSecond).formatted()) events/s (32,000)\(ratio)")
}

func bulkLoad(_ options: Options) async throws -> LMDBEventStore {
    let store = try freshStore(options, "bulk")
    // The events are made before the clock starts: this measures the store, not the generator.
    let events = Array(WorkloadSequence(0..<options.events))
    let start = ContinuousClock.now
    let result = try await store.bulkLoad(events)
    let elapsed = ContinuousClock.now - start
    precondition(result.appended == options.events, "bulk load stored \(result.appended) of \(options.events)")
    print("bulk load:                          \(rate(options.events, elapsed))")
    return store
}

func fullRead(_ store: LMDBEventStore, _ options: Options) throws {
    var count = 0, checksum: UInt64 = 0
    var start = ContinuousClock.now
    try store.scan(from: .first) { record in
        count += 1
        checksum &+= record.position.rawValue &+ record.version.rawValue &+ UInt64(record.idBytes.count + record.streamBytes.count + record.payloadBytes.count)
        return true
    }
    var elapsed = ContinuousClock.now - start
    print("full read, envelope in place:       \(rate(count, elapsed)) [checksum \(checksum)]")

    count = 0
    start = ContinuousClock.now
    try store.scan(from: .first) { record in
        let event = record.decode()
        count += 1
        checksum &+= event.version.rawValue
        return true
    }
    elapsed = ContinuousClock.now - start
    print("full read, decoded to values:       \(rate(count, elapsed))")
}

func histories(_ store: LMDBEventStore, _ options: Options) async throws {
    let dossiers = max(1, options.events / 10)
    var generator = SystemRandomNumberGenerator()
    var latencies: [Duration] = []
    var events = 0
    for _ in 0..<20_000 {
        let i = Int.random(in: 0..<options.events, using: &generator)
        let stream = try StreamID(Workload.dossier(i))
        let start = ContinuousClock.now
        events += try await store.read(stream: stream, from: StreamVersion(1), direction: .forward, limit: 1_000).count
        latencies.append(ContinuousClock.now - start)
    }
    latencies.sort()
    func micros(_ q: Double) -> String { String(format: "%.1f µs", seconds(latencies[Int(Double(latencies.count - 1) * q)]) * 1e6) }
    print("dossier history (\(events / latencies.count) events, of \(dossiers.formatted()) dossiers): p50 \(micros(0.5)), p99 \(micros(0.99))")
}

func diskUsage(_ store: LMDBEventStore, _ options: Options) throws {
    var encoded = 0
    try store.scan(from: .first) { record in encoded += record.bytes.count; return true }
    let tables = try store.tableStatistics()
    let inTables = tables.reduce(0) { $0 + $1.statistics.bytes }
    let perEvent = Double(inTables) / Double(options.events)
    let average = Double(encoded) / Double(options.events)
    print(String(format: "bytes on disk per event:            %.1f (log and indexes) for %.1f-byte encoded events = %.2f×", perEvent, average, perEvent / average))
    for (name, statistics) in tables {
        print(String(format: "  %-13@ %11d entries %9.1f MiB depth %d", name as NSString, statistics.entries, Double(statistics.bytes) / 1_048_576, statistics.depth))
    }
    print(String(format: "  data file in use: %.1f MiB", Double(store.environment.usedBytes) / 1_048_576))
}

/// Writes a JSON Lines file of `count` dossier events: dossiers of four events (received,
/// forwarded, processed, returned), a thousand open at a time, as a desk's day interleaves them.
func writeImportFile(_ path: String, count: Int) throws {
    guard let file = fopen(path, "w") else { throw BenchError("cannot write \(path)") }
    defer { fclose(file) }
    for i in 0..<count {
        let dossierIndex = (i % 1000) + (i / 4000) * 1000
        let step = (i / 1000) % 4
        let dossier = "000.00.17.H19-" + String(240_101 + dossierIndex / 9_999) + "-" + String(10_000 + dossierIndex % 9_999).dropFirst()
        let at = firstInstant + Int64(dossierIndex) * 20_000_000 + Int64(step) * 3_600_000_000  // 10M events end in 2025: in the past
        let head = "{\"id\":\"ev-\(i)\",\"dossier\":\"\(dossier)\",\"at\":\"\(at)\","
        let body: String
        switch step {
        case 0: body = #""type":"received","actor":"cb.tiepnhan.01","unit":"H19.17.MC","procedure":"1.001193","channel":"online","online_level":"full"}"#
        case 1: body = #""type":"forwarded","actor":"cb.tiepnhan.01","unit":"H19.17.MC","to_unit":"H19.17.TP","to_actor":"cv.tuphap.02","step_hours":16}"#
        case 2: body = #""type":"processed","actor":"cv.tuphap.02","unit":"H19.17.TP","outcome":"approved"}"#
        default: body = #""type":"returned","actor":"cb.tiepnhan.01","unit":"H19.17.MC","via":"online"}"#
        }
        fputs(head + body + "\n", file)
    }
}

/// The catalog the generated files need: one procedure (3 working days) and two units.
func recordCatalog(_ ledger: DossierLedger) async throws {
    let from = LocalDate(year: 2021, month: 1, day: 1)
    try await ledger.record([
        .procedure(Procedure(code: "1.001193", name: "Đăng ký khai sinh", limit: .workingDays(3), validity: Validity(from: from))),
        .unit(Unit(code: "H19.17.MC", name: "Bộ phận Một cửa", level: .desk, validity: Validity(from: from))),
        .unit(Unit(code: "H19.17.TP", name: "Tư pháp", level: .department, validity: Validity(from: from))),
    ])
}

let firstInstant = Instant(localDate: LocalDate(year: 2024, month: 1, day: 2), microsecondOfDay: 7 * 3_600_000_000)

/// This process's anonymous resident memory, sampled (`RssAnon` of /proc/self/status).
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peakMB = 0, running = true

    var peak: Int { lock.withLock { peakMB } }

    func sample() {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
              let kB = Int(line.split(separator: " ").dropFirst().first ?? "") else { return }
        lock.withLock { peakMB = max(peakMB, kB / 1024) }
    }

    /// Samples every 50 ms on a thread of its own until ``stop()``.
    func start() {
        Thread { [self] in
            while lock.withLock({ running }) {
                sample()
                usleep(50_000)
            }
        }.start()
    }

    func stop() { lock.withLock { running = false } }
}

/// Runs `body` while sampling; returns its result and the peak anonymous memory in MB.
func peakAnonymousMemory<R>(during body: () async throws -> R) async rethrows -> (R, Int) {
    let sampler = MemorySampler()
    sampler.start()
    defer { sampler.stop() }
    let result = try await body()
    sampler.sample()
    return (result, sampler.peak)
}

@discardableResult
func importBenchmark(_ options: Options) async throws -> LMDBEventStore {
    let path = options.directory + "/events.jsonl"
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    try writeImportFile(path, count: options.events)
    sync()  // the file on disk first, so that its write-back does not slow the import measured
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let store = try freshStore(options, "import")
    let ledger = DossierLedger(store: store)
    try await recordCatalog(ledger)
    let start = ContinuousClock.now
    let (summary, peak) = try await peakAnonymousMemory { try await ledger.importEvents(path: path) }
    let elapsed = ContinuousClock.now - start
    precondition(summary.appended == options.events, "imported \(summary)")
    print("import of a \(size / 1_048_576) MiB JSON Lines file, validated: \(rate(options.events, elapsed)); peak anonymous memory \(peak) MB")
    return store
}

/// The interim demo: until the generator of a realistic province and the views land, it
/// imports 200,000 events of 50,000 dossiers through the validating importer, replays one
/// dossier's case history with the state after each event, and verifies the chain.
func demo(_ options: Options) async throws {
    print("DossierLedger interim demo: validated import, a case history, verification.")
    let path = options.directory + "/demo-events.jsonl"
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    try writeImportFile(path, count: 200_000)
    let store = try freshStore(options, "demo")
    let ledger = DossierLedger(store: store)
    try await recordCatalog(ledger)
    let start = ContinuousClock.now
    let summary = try await ledger.importEvents(path: path)
    print("imported \(path): \(summary) in \(String(format: "%.1f", seconds(ContinuousClock.now - start))) s")

    let dossier = "000.00.17.H19-240102-4242"
    print("\ncase history of \(dossier):")
    let rules = try await ledger.rules()
    var state: DossierState?
    for record in try await store.read(stream: StreamID(dossier), from: StreamVersion(1), direction: .forward, limit: 100) {
        guard case .dossier(let event) = try Records.decode(record) else { continue }
        var next = state ?? DossierState(dossier: dossier)
        try next.apply(event, rules: rules)
        state = next
        let holder = next.custody(at: event.at).map { "\($0.holderActor ?? "?")@\($0.holderUnit)" } ?? "-"
        let standing: String = switch next.standing(at: event.at) {
        case .finished(let c): c.rawValue
        case .open(let overdue, let waiting): waiting ? "waiting" : overdue ? "overdue" : "in time"
        case .unknown: "unknown"
        }
        print("  seq \(record.position)  \(event.at)  \(event.type.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  status \(next.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  holder \(holder)  due \(next.legalDue.map(\.description) ?? "-")  \(standing)  \(record.hash.hex.prefix(12))…")
    }
    let report = try await store.verify(nil)
    print("\nverify: \(report)")
}

func run(_ options: Options) async throws {
    switch options.command {
    case "demo":
        try await demo(options)
    case "single":
        _ = try await singleAppends(options)
    case "import":
        try await importBenchmark(options)
    case "group":
        try await groupCommit(options, appenders: 16, single: nil)
    case "views":
        try await viewsBenchmark(options)
    case "proofs":
        try await proofsBenchmark(options)
    case "backends":
        try await backendsBenchmark(options)
    case "serve":
        try await serviceBenchmark(options)
    case "pages":
        try await pagesBenchmark(options)
    case "all", "bulk", "read", "history":
        var single: Double?
        if options.command == "all" {
            single = try await singleAppends(options)
            for appenders in [16, 64] { try await groupCommit(options, appenders: appenders, single: single) }
        }
        let store = try await bulkLoad(options)
        if options.command != "bulk" {
            try fullRead(store, options)
            try await histories(store, options)
            try diskUsage(store, options)
        }
    default:
        throw BenchError("unknown command \(options.command)")
    }
}

let options = try Options(CommandLine.arguments)
if options.command != "demo" && options.command != "pages" {
    print("ledger-bench \(options.command): \(options.events.formatted()) events in \(options.directory)")
}
// The stores of a run are gigabytes: its own directory goes when it ends, however it ends.
func cleanUp() { if options.ownsDirectory { try? FileManager.default.removeItem(atPath: options.directory) } }
do { try await run(options) } catch {
    cleanUp()
    throw error
}
cleanUp()
