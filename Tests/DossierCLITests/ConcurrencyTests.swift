import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import ProvinceGenerator
import Synchronization
import Testing

@Suite(.temporaryDirectory)
struct ConcurrencyTests {
    @Test("three appending processes and an importing one share a store with readers and a subscription: nothing lost or doubled")
    func appendersImporterReaders() async throws {
        let directory = TemporaryDirectory.path
        let (_, generated) = try ProvinceGenerator(options: .init(seed: 4, dossiers: 2000)).write(to: directory + "/province")
        let path = directory + "/store", p = directory + "/province"
        #expect(try dossier(["init", "--store", path, "--procedures", p + "/procedures.json", "--units", p + "/units.json",
                             "--officers", p + "/officers.json"]).status == 0)
        let store = try LMDBEventStore(path: path)
        let before = try #require(try await store.head()?.position.rawValue)
        let start = ContinuousClock.now
        let appenders = try (0..<3).map { try ChildProcess(product: "LedgerTestHelper", arguments: ["append", path, "w\($0)", "400", "4"]) }
        let importer = try ChildProcess(product: "dossier", arguments: ["import", "--store", path, p + "/events.jsonl"])
        let total = Int(before) + 3 * 400 + generated

        // A subscription and a reader, in this process, while the others write.
        let subscriber = Task {
            var seen: [UInt64] = []
            for try await event in store.subscribe(from: .first, pollInterval: .milliseconds(2)) {
                seen.append(event.position.rawValue)
                if seen.count == total { break }
            }
            return seen
        }
        // A reader on a thread of its own (its timing is LMDB's, not the test pool's).
        let reading = ReadingThread(store)
        var acks: [(UInt64, String)] = []
        for child in appenders {
            let lines = try await child.waitForExit()
            #expect(child.terminationStatus == 0 && lines.last == "done")
            acks += lines.compactMap { line in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "ack" ? (UInt64(parts[1]) ?? 0, String(parts[2])) : nil
            }
        }
        _ = try await importer.waitForExit()
        #expect(importer.terminationStatus == 0)
        let elapsed = ContinuousClock.now - start
        let seen = try await subscriber.value
        let slowest = reading.stop()

        var all: [RecordedEvent] = []
        while let batch = Optional(try await store.readAll(from: GlobalPosition(UInt64(all.count + 1)), limit: 4096)), !batch.isEmpty { all += batch }
        #expect(all.count == total)
        #expect(all.map(\.position.rawValue) == Array(1...UInt64(total)))
        #expect(Set(all.map(\.id)).count == total)
        let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position.rawValue, $0.id.value) })
        #expect(acks.count == 1200 && acks.allSatisfy { byPosition[$0.0] == $0.1 })
        #expect(seen == Array(1...UInt64(total)))
        #expect(try await store.verify(nil).isIntact)
        // Readers never wait for writers (LMDB's MVCC): the slowest read stays far below the import's write.
        #expect(slowest.reads > 10 && slowest.longest < .milliseconds(200), "\(slowest)")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("concurrency: \(total - Int(before)) events from 4 writing processes in \(String(format: "%.2f", seconds)) s "
            + "(\(Int(Double(total - Int(before)) / seconds)) events/s held), \(slowest.reads) reads, the slowest \(slowest.longest)")
    }
}

/// Reads the first 256 events over and over on its own thread, timing each read.
final class ReadingThread: Sendable {
    private let state = Mutex((stop: false, reads: 0, longest: Duration.zero, done: false))

    init(_ store: LMDBEventStore) {
        let thread = Thread { [self] in run(store) }
        thread.start()
    }

    private func run(_ store: LMDBEventStore) {
        while !state.withLock({ $0.stop }) {
            let start = ContinuousClock.now
            var count = 0
            try? store.scan(from: .first) { _ in count += 1; return count < 256 }
            let took = ContinuousClock.now - start
            state.withLock { $0.reads += 1; $0.longest = max($0.longest, took) }
            usleep(1000)
        }
        state.withLock { $0.done = true }
    }

    /// Stops the thread and returns how many reads it made and the longest.
    func stop() -> (reads: Int, longest: Duration) {
        state.withLock { $0.stop = true }
        while !state.withLock({ $0.done }) { usleep(1000) }
        return state.withLock { ($0.reads, $0.longest) }
    }
}
