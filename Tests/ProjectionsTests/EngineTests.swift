import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerLMDB
import LedgerTesting
import Projections
import PropertyBased
import ProvinceGenerator
import Testing
import Views

/// A store with the demo province's catalogs recorded, in a temporary directory.
func provinceStore(_ name: String = "store") async throws -> (DossierLedger, String) {
    let path = TemporaryDirectory.path + "/" + name
    let ledger = DossierLedger(store: try LMDBEventStore(path: path))
    try await ledger.record(Province().entries)
    return (ledger, path)
}

/// The demo province's events as JSON lines.
func provinceLines(seed: UInt64, dossiers: Int, corrections: Double = 0.005) throws -> [String] {
    var lines: [String] = []
    try ProvinceGenerator(options: .init(seed: seed, dossiers: dossiers, corrections: corrections)).generate { lines.append($0.jsonLine()) }
    return lines
}

func importLines(_ ledger: DossierLedger, _ lines: some Collection<String>, name: String) async throws {
    let path = TemporaryDirectory.path + "/" + name
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    _ = try await ledger.importEvents(path: path)
}

/// Every database of a projection's generation, key and value bytes in key order.
func dump<P>(_ stored: StoredProjection<P>) throws -> [String: [[UInt8]]] {
    try dumpSynchronously(stored)
}

private func dumpSynchronously<P>(_ stored: StoredProjection<P>) throws -> [String: [[UInt8]]] {
    let names = ["meta"] + P.databases.map(\.name)
    let databases = try stored.environment.openDatabases(names.map { Database.Specification($0, options: []) })
    return try stored.environment.read { txn in
        var result: [String: [[UInt8]]] = [:]
        for database in databases {
            var entries: [[UInt8]] = []
            try txn.withCursor(on: database) { cursor in
                var step = Cursor.Position.first
                while try cursor.move(to: step, { key, value -> Bool in
                    entries.append(Array(key))
                    entries.append(Array(value))
                    return true
                }) == true {
                    step = .next
                }
            }
            result[database.name] = entries
        }
        return result
    }
}

@Suite(.temporaryDirectory)
struct EngineTests {
    @Test("caught up in random batches, corrections included, every projection equals a rebuild from seq 1, byte for byte")
    func incrementalEqualsRebuild() async throws {
        await propertyCheck(count: 4, input: Gen.uint64(in: 1...1_000_000), Gen.int(in: 2...6)) { seed, parts in
            let name = "p\(seed)-\(parts)"
            let (ledger, path) = try await provinceStore(name)
            let engine = try ProjectionEngine(storePath: path, ledger: ledger)
            let lines = try provinceLines(seed: seed, dossiers: 150, corrections: 0.2)  // about 30 corrections
            var dossiers = try await engine.open(DossierProjection.self)
            var receipts = try await engine.open(ReceiptCounts.self)
            let size = lines.count / parts + 1
            for (index, start) in stride(from: 0, to: lines.count, by: size).enumerated() {
                try await importLines(ledger, lines[start..<min(lines.count, start + size)], name: "\(name)-\(index).jsonl")
                try await engine.catchUp(dossiers)
                try await engine.catchUp(receipts)
            }
            let incremental = (try dump(dossiers), try dump(receipts))
            #expect(try dossiers.currentStatus().checkpoint.position == (try await ledger.store.head()?.position))
            dossiers = try await engine.rebuild(DossierProjection.self)
            receipts = try await engine.rebuild(ReceiptCounts.self)
            #expect(try dump(dossiers) == incremental.0)
            #expect(try dump(receipts) == incremental.1)
            #expect((incremental.0["states"]?.count ?? 0) / 2 >= 150)
            // Corrections of every kind were folded: dossiers that count nowhere, reopened ones.
            #expect(lines.filter { $0.contains(#""type":"voided""#) }.count >= 10)
        }
    }

    @Test("a rebuild swaps generations; readers of the old one keep reading; a stray generation is removed")
    func rebuildSwaps() async throws {
        let (ledger, path) = try await provinceStore()
        try await importLines(ledger, try provinceLines(seed: 7, dossiers: 40), name: "events.jsonl")
        let engine = try ProjectionEngine(storePath: path, ledger: ledger)
        let first = try await engine.open(DossierProjection.self)
        // What a rebuild killed mid-way leaves behind.
        let stray = engine.root + "/dossiers@1-1"
        try FileManager.default.createDirectory(atPath: stray, withIntermediateDirectories: true)
        let second = try await engine.rebuild(DossierProjection.self)
        #expect(first.path != second.path)
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(!FileManager.default.fileExists(atPath: first.path))
        // The old generation's files are unlinked but still mapped: its readers are not disturbed.
        #expect(try dump(first)["states"] == (try dump(second)["states"]))
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: engine.root + "/dossiers")
        #expect(engine.root + "/" + link == second.path)
    }

    @Test("a followed projection catches up by itself when events are appended")
    func followCatchesUp() async throws {
        let (ledger, path) = try await provinceStore()
        let engine = try ProjectionEngine(storePath: path, ledger: ledger)
        let stored = try await engine.open(DossierProjection.self)
        let follower = Task { try await engine.follow(stored, pollInterval: .milliseconds(5)) }
        defer { follower.cancel() }
        try await importLines(ledger, try provinceLines(seed: 5, dossiers: 20), name: "events.jsonl")
        let head = try #require(try await ledger.store.head()?.position)
        let deadline = ContinuousClock.now + .seconds(20)
        while try stored.currentStatus().checkpoint.position < head && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try stored.currentStatus().checkpoint.position == head)
    }

    @Test("a projection stored by another code version is rebuilt when opened, and refused read-only")
    func versionChangeRebuilds() async throws {
        let (ledger, path) = try await provinceStore()
        try await importLines(ledger, try provinceLines(seed: 3, dossiers: 30), name: "events.jsonl")
        let oldPath = try await {
            let old = try await ProjectionEngine(storePath: path, ledger: ledger).open(CountingV1.self)
            #expect(try old.currentStatus().version == 1)
            return old.path
        }()
        let readOnly = try ProjectionEngine(storePath: path, ledger: ledger, readOnly: true)
        await #expect(throws: ProjectionError.self) { _ = try await readOnly.open(CountingV2.self) }
        let new = try await ProjectionEngine(storePath: path, ledger: ledger).open(CountingV2.self)
        #expect(try new.currentStatus().version == 2)
        #expect(new.path != oldPath)
        #expect(!FileManager.default.fileExists(atPath: oldPath))
        #expect(try dump(new)["events"]?.count == 2)
    }
}

/// Counts dossier events; two code versions under one name.
struct CountingV1: Projection {
    static let name = "counting"
    static let version = 1
    static let databases = [Database.Specification("events")]
    let events: Database
    init(databases: [Database]) { events = databases[0] }
    func apply(_ batch: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws {
        let key = Array("count".utf8)
        let stored = try key.withUnsafeBytes { k in try txn.withValue(forKey: k, in: events) { BigEndian.load(UInt64.self, from: $0, at: 0) } } ?? 0
        try txn.put(BigEndian.bytes((stored ?? 0) + UInt64(batch.count)), forKey: key, in: events)
    }
}

struct CountingV2: Projection {
    static let name = "counting"
    static let version = 2
    static let databases = CountingV1.databases
    let counting: CountingV1
    init(databases: [Database]) { counting = CountingV1(databases: databases) }
    func apply(_ batch: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws {
        try counting.apply(batch, rules: rules, in: txn)
    }
}

@Suite(.temporaryDirectory)
struct ViewProperties {
    @Test("every dossier of a period's population is counted once: groupings without roll-up add up to the total")
    func totalsAddUp() async throws {
        let (ledger, path) = try await provinceStore()
        try await importLines(ledger, try provinceLines(seed: 11, dossiers: 400), name: "events.jsonl")
        let inspector = try await Inspector.open(try ProjectionEngine(storePath: path, ledger: ledger))
        await propertyCheck(count: 20, input: Gen.int(in: 0...34), Gen.int(in: 0...5)) { month, length in
            let first = LocalDate(year: 2024 + month / 12, month: month % 12 + 1, day: 1)
            let last = LocalDate(year: 2024 + (month + length) / 12, month: (month + length) % 12 + 1, day: 1) + 27
            let period = Period(from: first, through: last, label: "p")
            var totals: [RateRow] = []
            for grouping in Grouping.allCases {
                let rows = try await inspector.onTimeRates(period: period, by: grouping, rollUp: .none).rows
                let total = try #require(rows.last)
                let groups = rows.dropLast()
                #expect(groups.map(\.population).reduce(0, +) == total.population, "\(grouping)")
                #expect(total.early + total.onTime + total.late + total.openInTime + total.openOverdue == total.population)
                #expect(total.received + total.carriedOver == total.population)
                totals.append(total)
            }
            #expect(Set(totals.map(\.population)).count == 1 && totals[0].population > 0)
            let online = try await inspector.onlineRates(period: period, rollUp: .none).rows
            #expect(online.dropLast().map(\.counts.total).reduce(0, +) == online.last?.counts.total)
            #expect(online.last.map { $0.counts.total == $0.counts.direct + $0.counts.postal + $0.counts.online } ?? false)
        }
    }
}
