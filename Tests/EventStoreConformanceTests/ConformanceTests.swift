import EventLog
import Foundation
import EventLogLMDB
import EventLogMemory
import EventLogPostgres
import LedgerTesting
import PropertyBased
import Testing

/// The backends every behaviour of the store is checked on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case lmdb
    case postgres

    var testDescription: String { rawValue }

    /// The backends this machine can run: PostgreSQL only where it is installed (said loudly
    /// where it is not).
    static var allCases: [Backend] {
        PostgresCluster.runs(for: "the conformance tests on PostgreSQL") ? [.memory, .lmdb, .postgres] : [.memory, .lmdb]
    }

    /// A new, empty store of this backend (LMDB: in the current test's temporary directory;
    /// PostgreSQL: a new database of the test process's cluster).
    func open(clock: (@Sendable () -> RecordedTime)? = nil) async throws -> any EventStore & BulkLoading {
        switch self {
        case .memory: return clock.map { InMemoryEventStore(clock: $0) } ?? InMemoryEventStore()
        case .lmdb:
            return try LMDBEventStore(path: TemporaryDirectory.path + "/store-\(UUID().uuidString)",
                                      configuration: clock.map { .init(clock: $0) } ?? .init())
        case .postgres:
            let url = try PostgresCluster.shared.get().createDatabase()
            return try await PostgresEventStore.open(try PostgresLocation(url: url), clock: clock ?? { RecordedTime.now() })
        }
    }
}

/// One suite of the store's behaviour (expected versions, idempotency, atomic batches, the
/// chain, reads, concurrent writers, bulk loads, replicas, subscriptions) that every backend runs.
@Suite(.temporaryDirectory)
struct ConformanceTests {
    /// The state a stream is in before the append.
    enum StreamState: String, CaseIterable, Sendable { case absent, twoEvents }

    static let cases: [(ExpectedVersion, StreamState, Bool)] = [
        (.any, .absent, true), (.any, .twoEvents, true),
        (.noStream, .absent, true), (.noStream, .twoEvents, false),
        (.streamExists, .absent, false), (.streamExists, .twoEvents, true),
        (.exact(.none), .absent, true), (.exact(.none), .twoEvents, false),
        (.exact(StreamVersion(2)), .absent, false), (.exact(StreamVersion(2)), .twoEvents, true),
        (.exact(StreamVersion(1)), .twoEvents, false), (.exact(StreamVersion(3)), .twoEvents, false),
    ]

    @Test("every expected-version mode against every stream state", arguments: Backend.allCases, cases)
    func expectedVersions(backend: Backend, testCase: (ExpectedVersion, StreamState, Bool)) async throws {
        let (expected, state, succeeds) = testCase
        let store = try await backend.open()
        let s = try stream("D-1")
        if state == .twoEvents {
            _ = try await store.append([event("a"), event("b")], to: s, expected: .noStream)
        }
        let before = state == .twoEvents ? StreamVersion(2) : .none
        if succeeds {
            let result = try await store.append([event("new")], to: s, expected: expected)
            #expect(result.streamVersions[s] == before.next)
            #expect(result.appended == 1)
        } else {
            let error = await #expect(throws: EventStoreError.self) {
                try await store.append([event("new")], to: s, expected: expected)
            }
            #expect(error?.code == .wrongExpectedVersion)
            #expect(error?.expected == expected)
            #expect(error?.actual == before)
            #expect(error?.stream == s)
            #expect(try await store.head()?.position.rawValue ?? 0 == (state == .twoEvents ? 2 : 0))
        }
    }

    @Test("an identical re-append is a duplicate, not an error, under every expected-version mode",
          arguments: Backend.allCases, [ExpectedVersion.any, .noStream, .streamExists, .exact(.none), .exact(StreamVersion(7))])
    func idempotentRepeat(backend: Backend, expected: ExpectedVersion) async throws {
        let store = try await backend.open()
        let s = try stream("D-1")
        let first = try await store.append([event("a", "one"), event("b", "two")], to: s, expected: .noStream)
        let repeated = try await store.append([event("a", "one"), event("b", "two")], to: s, expected: expected)
        #expect(first.appended == 2)
        #expect(repeated.appended == 0)
        #expect(repeated.duplicates == 2)
        #expect(repeated.positions == nil)
        #expect(try await store.head()?.position == GlobalPosition(2))
    }

    @Test("the same id with different content is an error that names the id and stores nothing", arguments: Backend.allCases)
    func idConflict(backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await store.append([event("a", "one")], to: stream("D-1"))
        for (payload, target) in [("changed", "D-1"), ("one", "D-2")] {
            let error = await #expect(throws: EventStoreError.self) {
                try await store.append([event("fresh-\(target)-\(payload)"), event("a", payload)], to: stream(target))
            }
            #expect(error?.code == .idConflict)
            #expect(error?.message.contains("event a") == true)
        }
        let inBatch = await #expect(throws: EventStoreError.self) {
            try await store.append([event("x", "1"), event("x", "2")], to: stream("D-3"))
        }
        #expect(inBatch?.code == .idConflict)
        #expect(try await store.head()?.position == GlobalPosition(1))
    }

    @Test("a multi-stream batch is atomic: one conflict and nothing of it is stored", arguments: Backend.allCases)
    func atomicBatch(backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await store.append([event("a")], to: stream("D-2"))
        let error = await #expect(throws: EventStoreError.self) {
            try await store.append([
                StreamAppend(stream: stream("D-1"), expected: .noStream, events: [event("b"), event("c")]),
                StreamAppend(stream: stream("D-2"), expected: .noStream, events: [event("d")]),
            ])
        }
        #expect(error?.code == .wrongExpectedVersion)
        #expect(try await store.read(stream: stream("D-1"), from: StreamVersion(1), direction: .forward, limit: 10).isEmpty)
        let result = try await store.append([
            StreamAppend(stream: stream("D-1"), expected: .noStream, events: [event("b"), event("c")]),
            StreamAppend(stream: stream("D-2"), expected: .exact(StreamVersion(1)), events: [event("d")]),
        ])
        #expect(result.positions == GlobalPosition(2)...GlobalPosition(4))
        #expect(result.streamVersions == [try stream("D-1"): StreamVersion(2), try stream("D-2"): StreamVersion(2)])
    }

    @Test("seq, version, recorded and both hash links are assigned as the chain requires", arguments: Backend.allCases)
    func assignedFields(backend: Backend) async throws {
        let clock = SteppingClock()
        let store = try await backend.open(clock: { clock.read() })
        _ = try await store.append([event("1"), event("2")], to: stream("A"))
        _ = try await store.append([event("3")], to: stream("B"))
        _ = try await store.append([event("4")], to: stream("A"))
        let all = try await everything(store)
        #expect(all.map(\.position.rawValue) == [1, 2, 3, 4])
        #expect(all.map(\.version.rawValue) == [1, 2, 1, 3])
        #expect(all.map(\.stream.name) == ["A", "A", "B", "A"])
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.recorded < $1.recorded })
        #expect(all[0].previousInStream == .zero && all[2].previousInStream == .zero)
        #expect(all[1].previousInStream == all[0].hash)
        #expect(all[3].previousInStream == all[1].hash)
        // The global link: each hash is SHA-256 over the previous hash and the record.
        var previous = EventHash.zero
        for e in all {
            let bytes = RecordLayout.encode(try ProposedEvent(id: e.id, type: e.type, payload: e.payload), stream: e.stream,
                                            position: e.position, version: e.version, recorded: e.recorded,
                                            previousInStream: e.previousInStream, previousHash: previous)
            #expect(bytes.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) } == e.hash)
            previous = e.hash
        }
        let report = try await store.verify(nil)
        #expect(report.isIntact)
        #expect(report.checked == 4)
        #expect(report.head?.hash == all[3].hash)
    }

    @Test("a stream reads forward and backward from any version", arguments: Backend.allCases)
    func readStream(backend: Backend) async throws {
        let store = try await backend.open()
        let s = try stream("D-1")
        for i in 1...10 {
            _ = try await store.append([event("s\(i)")], to: s)
            _ = try await store.append([event("other\(i)")], to: stream("D-2"))
        }
        let forward = try await store.read(stream: s, from: StreamVersion(3), direction: .forward, limit: 4)
        #expect(forward.map(\.id.value) == ["s3", "s4", "s5", "s6"])
        let backward = try await store.read(stream: s, from: StreamVersion(100), direction: .backward, limit: 3)
        #expect(backward.map(\.id.value) == ["s10", "s9", "s8"])
        let tail = try await store.read(stream: s, from: StreamVersion(2), direction: .backward, limit: 5)
        #expect(tail.map(\.id.value) == ["s2", "s1"])
        #expect(try await store.read(stream: stream("nobody"), from: StreamVersion(1), direction: .forward, limit: 5).isEmpty)
        #expect(try await store.read(stream: s, from: StreamVersion(11), direction: .forward, limit: 5).isEmpty)
    }

    @Test("records of a seq range fold in place, in order, as readAll reads them; what the fold throws passes unchanged",
          arguments: Backend.allCases)
    func reduceRecords(backend: Backend) async throws {
        let store = try await backend.open()
        for i in 1...20 { _ = try await store.append([event("r\(i)")], to: stream("D-\(i % 3)")) }
        let all = try await store.readAll(from: .first, limit: 100)
        for (low, high) in [(1, 20), (5, 9), (7, 7), (18, 40), (21, 30)] {
            let folded = try await store.reduceRecords(in: GlobalPosition(UInt64(low))...GlobalPosition(UInt64(high)), into: [RecordedEvent]()) {
                records, record in records.append(record.decode())
            }
            #expect(folded == Array(all[min(low, 21) - 1..<min(high, 20)]), "\(low)...\(high)")
        }
        struct Stop: Error, Equatable { let at: GlobalPosition }
        await #expect(throws: Stop(at: GlobalPosition(4))) {
            try await store.reduceRecords(in: GlobalPosition(2)...GlobalPosition(9), into: 0) { count, record in
                count += 1
                if record.position == GlobalPosition(4) { throw Stop(at: record.position) }
            }
        }
    }

    @Test("events recorded in a time range are found by binary search", arguments: Backend.allCases)
    func recordedRange(backend: Backend) async throws {
        let clock = SteppingClock()
        let store = try await backend.open(clock: { clock.read() })
        for i in 1...20 { _ = try await store.append([event("e\(i)")], to: stream("D-\(i % 3)")) }
        let all = try await everything(store)
        let from = all[4].recorded, to = all[9].recorded
        let found = try await store.readAll(recordedIn: from..<to, limit: 100)
        #expect(found.map(\.position.rawValue) == Array(5...9))
        #expect(try await store.firstPosition(recordedAtOrAfter: RecordedTime(rawValue: all[19].recorded.rawValue + 1)) == nil)
        #expect(try await store.firstPosition(recordedAtOrAfter: RecordedTime(rawValue: 0)) == .first)
    }

    @Test("concurrent appenders share commits and get a gap-free seq, each event exactly once", arguments: Backend.allCases)
    func concurrentAppenders(backend: Backend) async throws {
        let store = try await backend.open()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for n in 0..<50 {
                        _ = try await store.append([event("w\(worker)-\(n)")], to: stream("D-\(worker % 5)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = try await everything(store)
        #expect(all.map(\.position.rawValue) == Array(1...800))
        #expect(Set(all.map(\.id)).count == 800)
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("bulk load stores everything, syncs, and a repeat stores nothing new", arguments: Backend.allCases)
    func bulkLoad(backend: Backend) async throws {
        let store = try await backend.open()
        let events = try (0..<2_500).map { (try stream("D-\($0 % 40)"), try event("bulk-\($0)", "p\($0)")) }
        let first = try await store.load(events)
        #expect(first.appended == 2_500)
        let again = try await store.load(events)
        #expect(again.appended == 0)
        #expect(again.duplicates == 2_500)
        #expect(try await store.read(stream: stream("D-7"), from: StreamVersion(1), direction: .forward, limit: 1000).count == 63)
        #expect(try await store.verify(nil).checked == 2_500)
    }

    @Test("an initial load with an id conflict stores nothing", arguments: Backend.allCases)
    func initialLoadConflict(backend: Backend) async throws {
        let store = try await backend.open()
        var events = try (0..<50).map { (try stream("D-\($0 % 3)"), try event("c-\($0)", "p\($0)")) }
        events.append((try stream("D-0"), try event("c-10", "different")))
        let error = await #expect(throws: EventStoreError.self) { try await store.load(events) }
        #expect(error?.code == .idConflict)
        #expect(try await store.head() == nil)
    }

    @Test("after a bulk load, streams go on at the right version and links", arguments: Backend.allCases)
    func appendAfterBulkLoad(backend: Backend) async throws {
        let store = try await backend.open()
        let events = try (0..<100).map { (try stream("D-\($0 % 10)"), try event("b-\($0)")) }
        _ = try await store.load(events)
        let result = try await store.append([event("next")], to: stream("D-3"), expected: .exact(StreamVersion(10)))
        #expect(result.streamVersions[try stream("D-3")] == StreamVersion(11))
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("appended batches read back exactly, in order (property)", arguments: Backend.allCases)
    func appendReadBack(backend: Backend) async throws {
        let store = try await backend.open()
        let counter = SteppingClock()  // only as a source of unique ids
        await propertyCheck(count: 30, input: Gen.int(in: 0...4).array(of: 1...12), Gen.uint8(in: 0...255).array(of: 0...50)) { streams, payload in
            let before = try await store.head()?.position.rawValue ?? 0
            let batch = try streams.map { index in
                (try stream("P-\(index)"), try ProposedEvent(id: EventID("p\(counter.read().rawValue)"), type: "t", payload: payload))
            }
            let result = try await store.append(batch.map { StreamAppend(stream: $0.0, events: [$0.1]) })
            #expect(result.positions?.lowerBound.rawValue == before + 1)
            let read = try await store.readAll(from: GlobalPosition(before + 1), limit: 100)
            #expect(read.map(\.id) == batch.map(\.1.id))
            #expect(read.map(\.stream) == batch.map(\.0))
            #expect(read.allSatisfy { $0.payload == payload })
        }
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("a replica load reproduces every seq, version, recorded time and hash, from one backend into another",
          arguments: Backend.allCases, Backend.allCases)
    func replicaAcrossBackends(from source: Backend, into target: Backend) async throws {
        let clock = SteppingClock()
        let original = try await source.open(clock: { clock.read() })
        for i in 0..<60 { _ = try await original.append([event("r\(i)", "p\(i)")], to: stream("D-\(i % 7)")) }
        let exported = try await everything(original)
        let replica = try await target.open(clock: { RecordedTime(rawValue: 0) })  // a replica keeps the exported times
        let (result, _) = try await replica.bulkLoad(from: ReplicaSource(exported))
        #expect(result.appended == 60)
        #expect(try await everything(replica) == exported)
        #expect(try await replica.verify(nil).head == (try await original.verify(nil).head))
        // An export altered in one hash is refused whole.
        var altered = exported
        let last = altered.removeLast()
        altered.append(RecordedEvent(position: last.position, stream: last.stream, version: last.version, recorded: last.recorded, id: last.id,
                                     type: last.type, payload: last.payload, hash: exported[0].hash, previousInStream: last.previousInStream))
        let other = try await target.open()
        let error = await #expect(throws: EventStoreError.self) { try await other.bulkLoad(from: ReplicaSource(altered)) }
        #expect(error?.code == .replicaMismatch)
        #expect(try await other.head() == nil)
    }

    @Test("a subscription catches up from a seq, then follows new events, each once and in order", arguments: Backend.allCases)
    func subscription(backend: Backend) async throws {
        let store = try await backend.open()
        for i in 0..<5 { _ = try await store.append([event("s\(i)")], to: stream("D-1")) }
        let reader = Task {
            var seen: [UInt64] = []
            for try await record in store.subscribe(from: GlobalPosition(3), pollInterval: .milliseconds(2)) {
                seen.append(record.position.rawValue)
                if seen.count == 6 { break }
            }
            return seen
        }
        for i in 5..<8 { _ = try await store.append([event("s\(i)")], to: stream("D-2")) }
        #expect(try await reader.value == [3, 4, 5, 6, 7, 8])
    }

    @Test("an event is found by its id; the statistics count events and streams", arguments: Backend.allCases)
    func lookupsAndStatistics(backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await store.append([event("a"), event("b")], to: stream("D-1"))
        _ = try await store.append([event("c")], to: stream("D-2"))
        #expect(try await store.event(id: EventID("b"))?.position == GlobalPosition(2))
        #expect(try await store.event(id: EventID("zz")) == nil)
        let statistics = try await store.statistics()
        #expect(statistics.events == 3 && statistics.streams == 2 && statistics.bytes > 0)
    }
}
