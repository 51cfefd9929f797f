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

    @Test("a full disk fails appends with a clear error; the store stays consistent and appends again once space is freed",
          .enabled(if: SmallFilesystem.canMount, "needs permission to mount a size-limited tmpfs (root)"))
    func diskFull() async throws {
        let filesystem = try SmallFilesystem(at: TemporaryDirectory.path + "/small", megabytes: 24)
        defer { filesystem.unmount() }
        // The store lives in a function of its own, so it is closed (its files released) before
        // the unmount, which fails while a file is open and would leave the tmpfs mounted.
        try await fillAndFree(filesystem)
    }

    private func fillAndFree(_ filesystem: SmallFilesystem) async throws {
        // A filler file to delete later, so that space can be freed.
        let filler = filesystem.path + "/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(count: 6 << 20)))
        let store = try LMDBEventStore(path: filesystem.path + "/store", configuration: .init(initialMapSize: 1 << 20))
        let payload = [UInt8](repeating: 0x42, count: 16 << 10)
        var acknowledged = 0
        var failure: EventStoreError?
        for n in 0..<10_000 {
            do {
                _ = try await store.append([try ProposedEvent(id: EventID("f\(n)"), type: "t", payload: payload)], to: stream("F-\(n % 5)"))
                acknowledged += 1
            } catch let error as EventStoreError {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.code == .storageFull, "\(error) \(String(describing: error.underlying))")
        #expect(error.message.contains("full"))
        #expect(acknowledged > 100)
        #expect(try await store.head()?.position == GlobalPosition(UInt64(acknowledged)))
        #expect(try await store.verify(nil).isIntact)

        try FileManager.default.removeItem(atPath: filler)
        let after = try await store.append([try ProposedEvent(id: EventID("after"), type: "t", payload: payload)], to: stream("F-0"))
        #expect(after.positions?.lowerBound == GlobalPosition(UInt64(acknowledged + 1)))
        #expect(try await store.verify(nil).isIntact)
    }
}

/// A tmpfs of a few megabytes mounted for one test (needs root; the test is skipped otherwise).
struct SmallFilesystem {
    let path: String

    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("dossierledger-mount-probe-\(getpid())").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) else { return false }
        return run("/bin/umount", [probe])
    }()

    init(at path: String, megabytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard SmallFilesystem.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) else {
            throw EventStoreError(.storage, "cannot mount a tmpfs at \(path)")
        }
    }

    /// Unmounts it; while a file on it is still open (a store's queues may hold it a moment after
    /// its last use) it tries again, and at last detaches it lazily, so no mount is left behind.
    func unmount() {
        for _ in 0..<20 {
            if SmallFilesystem.run("/bin/umount", [path]) { return }
            usleep(100_000)
        }
        _ = SmallFilesystem.run("/bin/umount", ["-l", path])
    }

    static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
