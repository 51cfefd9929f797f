import EventLog
import EventLogLMDB
import LedgerTesting
import PropertyBased
import Testing

@Suite(.temporaryDirectory)
struct AppendTests {
    @Test("appends survive closing and reopening the store")
    func durableAcrossReopen() async throws {
        do {
            let store = try openStore()
            _ = try await store.append([event("a"), event("b")], to: stream("D-1"))
        }
        let store = try openStore()
        let events = try await store.read(stream: stream("D-1"), from: StreamVersion(1), direction: .forward, limit: 10)
        #expect(events.map(\.id.value) == ["a", "b"])
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("a read-only store refuses appends")
    func readOnly() async throws {
        do { _ = try await openStore().append([event("a")], to: stream("D-1")) }
        let store = try openStore("store", .init(readOnly: true))
        let error = await #expect(throws: EventStoreError.self) { try await store.append([event("b")], to: stream("D-1")) }
        #expect(error?.code == .readOnly)
        #expect(try await store.head()?.position == .first)
    }

    @Test("an initial load that repeats an id falls back to inserting ids as they come, and counts the repeat once")
    func initialLoadWithRepeatedID() async throws {
        let store = try openStore()
        var events = try (0..<300).map { (try stream("D-\($0 % 7)"), try event("i-\($0)", "p\($0)")) }
        events.insert(events[120], at: 250)
        let result = try await store.bulkLoad(events)
        #expect(result.appended == 300)
        #expect(result.duplicates == 1)
        #expect(try await store.verify(nil).checked == 300)
        // The index knows every id: the same event again is a duplicate, in another stream a conflict.
        let again = try await store.append([events[0].1], to: events[0].0)
        #expect(again.duplicates == 1 && again.appended == 0)
        let elsewhere = await #expect(throws: EventStoreError.self) {
            try await store.append([events[299].1], to: stream("elsewhere"))
        }
        #expect(elsewhere?.code == .idConflict)
    }

    @Test("a bulk load that flushes its indexes along the way finds repeats across flushes and stores everything once")
    func bulkLoadWithFlushes() async throws {
        let store = try openStore()
        var events = try (0..<100).map { (try stream("D-\($0 % 9)"), try event("f-\($0)", "p\($0)")) }
        events.insert(events[3], at: 50)   // a repeat of an event flushed long before
        events.insert(events[60], at: 62)  // a repeat inside the same flush
        let result = try await store.bulkLoad(from: SequenceSource(events), flushInterval: 7).result
        #expect(result.appended == 100 && result.duplicates == 2)
        #expect(try await store.verify(nil).checked == 100)
        for s in 0..<9 {
            let read = try await store.read(stream: stream("D-\(s)"), from: StreamVersion(1), direction: .forward, limit: 100)
            #expect(read.map(\.version.rawValue) == Array(1...UInt64(read.count)))
            #expect(read.allSatisfy { Int($0.id.value.dropFirst(2))! % 9 == s })
        }
        // The indexes know every id after the load.
        let again = try await store.append([events[99].1], to: events[99].0)
        #expect(again.duplicates == 1)
    }

}
