import EventLog
import EventLogLMDB
import Foundation
import LedgerLMDB
import LedgerTesting
import Testing

@Suite(.temporaryDirectory)
struct StorageTests {
    @Test("the map grows from 1 MiB past 1 GiB of events without a failed append")
    func mapGrowsPastOneGiB() async throws {
        let store = try openStore("store", .init(initialMapSize: 1 << 20))
        let payload = [UInt8](repeating: 0x5a, count: 16 << 10)
        let count = 70_000  // 70,000 × 16 KiB ≈ 1.07 GiB of payload
        let events = try (0..<count).lazy.map { n in
            (try stream("G-\(n % 100)"), try ProposedEvent(id: EventID("g\(n)"), type: "t", payload: payload))
        }
        let result = try await store.bulkLoad(Array(events))
        #expect(result.appended == count)
        #expect(store.environment.mapSize >= 1 << 30)
        #expect(store.environment.usedBytes >= 1 << 30)
        // One more ordinary append after all that growth.
        let last = try await store.append([event("after-growth")], to: stream("G-0"))
        #expect(last.positions?.lowerBound == GlobalPosition(UInt64(count + 1)))
    }

    @Test("verify names the seq of an event with one byte flipped in the data file")
    func flippedByteIsFound() async throws {
        let path = TemporaryDirectory.path + "/store"
        do {
            let store = try LMDBEventStore(path: path)
            for n in 1...40 {
                _ = try await store.append([event("e\(n)", "MARKER-\(1000 + n)-end")], to: stream("D-\(n % 4)"))
            }
            #expect(try await store.verify(nil).isIntact)
        }
        let file = URL(fileURLWithPath: path + "/data.mdb")
        var data = try Data(contentsOf: file)
        let marker = Data("MARKER-1023-end".utf8)
        // Copy-on-write leaves stale copies of pages in the file: flip the byte in every copy,
        // so the live one is flipped too.
        var searchFrom = data.startIndex
        var copies = 0
        while let range = data.range(of: marker, in: searchFrom..<data.endIndex) {
            data[range.lowerBound + 8] ^= 0x01  // "MARKER-1023" becomes "MARKER-1033"
            searchFrom = range.upperBound
            copies += 1
        }
        #expect(copies >= 1)
        try data.write(to: file)

        let store = try LMDBEventStore(path: path)
        let report = try await store.verify(nil)
        #expect(report.failure == VerificationFailure(position: GlobalPosition(23), problem: .hashMismatch))
        #expect(report.checked == 22)
        // A range that starts after the damage is intact.
        let later = try await store.verify(GlobalPosition(24)...GlobalPosition(40))
        #expect(later.isIntact)
        #expect(later.checked == 17)
    }
}
