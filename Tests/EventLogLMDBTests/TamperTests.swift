import EventLog
import EventLogLMDB
import Foundation
import LedgerLMDB
import LedgerTesting
import Testing

/// A store of 40 events over 4 dossiers, closed, then changed behind its back through LMDB
/// itself (as someone with write access to the file would), then verified.
@Suite(.temporaryDirectory)
struct TamperTests {
    func makeStore() async throws -> String {
        let path = TemporaryDirectory.path + "/store-\(UUID().uuidString)"
        let store = try LMDBEventStore(path: path)
        for n in 1...40 { _ = try await store.append([event("e\(n)", "payload \(n)")], to: stream("D-\(n % 4)")) }
        #expect(try await store.verify(nil).isIntact)
        return path
    }

    /// Runs `body` on the raw `log` database (seq -> record) of the closed store at `path`.
    func tamper(_ path: String, _ body: (borrowing WriteTransaction, Database) throws -> Void) async throws {
        // The store's last reader may still be letting go of it on its queue.
        for _ in 0..<200 {
            if let environment = try openUnlessBusy(path) { return try write(environment, body) }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("the store at \(path) stayed open")
    }

    private func openUnlessBusy(_ path: String) throws -> Environment? {
        do {
            return try Environment(path: path, configuration: .init(maxDatabases: 8))
        } catch let error as LMDBError where error.code == .busy {
            return nil
        }
    }

    private func write(_ environment: Environment, _ body: (borrowing WriteTransaction, Database) throws -> Void) throws {
        let log = try environment.openDatabases([Database.Specification("log", options: [])])[0]
        try environment.write { txn in try body(txn, log) }
    }

    func record(_ txn: borrowing WriteTransaction, _ log: Database, _ seq: UInt64) throws -> [UInt8] {
        try #require(try txn.value(forKey: BigEndian.bytes(seq), in: log))
    }

    func verify(_ path: String) async throws -> VerificationReport {
        try await LMDBEventStore(path: path).verify(nil)
    }

    @Test("a deleted event is named: missing at its seq")
    func deleted() async throws {
        let path = try await makeStore()
        try await tamper(path) { txn, log in try BigEndian.bytes(17).withUnsafeBytes { _ = try txn.delete(forKey: $0, in: log) } }
        #expect(try await verify(path).failure == VerificationFailure(position: GlobalPosition(17), problem: .missing))
    }

    @Test("two swapped events are named at the first of them")
    func swapped() async throws {
        let path = try await makeStore()
        try await tamper(path) { txn, log in
            let (a, b) = (try record(txn, log, 20), try record(txn, log, 21))
            try txn.put(b, forKey: BigEndian.bytes(20), in: log)
            try txn.put(a, forKey: BigEndian.bytes(21), in: log)
        }
        #expect(try await verify(path).failure == VerificationFailure(position: GlobalPosition(20), problem: .positionMismatch(recorded: GlobalPosition(21))))
    }

    @Test("a rewritten event with the global chain recomputed after it is caught by its dossier's next link")
    func rewrittenWithRecomputedChain() async throws {
        let path = try await makeStore()
        let original = try await LMDBEventStore(path: path).readAll(from: GlobalPosition(1), limit: 100)
        try await tamper(path) { txn, log in
            var previous = original[8].hash  // seq 9's hash: the chain before the change stays
            for stored in original[9...] {
                // Seq 10 gets another payload; every later record is re-encoded so that each global
                // link and hash recomputes. The per-dossier links are left as they were.
                let payload = stored.position == GlobalPosition(10) ? Array("payload rewritten".utf8) : stored.payload
                let bytes = RecordLayout.encode(try ProposedEvent(id: stored.id, type: stored.type, payload: payload), stream: stored.stream,
                                                position: stored.position, version: stored.version, recorded: stored.recorded,
                                                previousInStream: stored.previousInStream, previousHash: previous)
                previous = bytes.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
                try txn.put(bytes, forKey: BigEndian.bytes(stored.position.rawValue), in: log)
            }
        }
        // Seq 10 is dossier D-2; its next event (seq 14) still links to the old hash of seq 10.
        #expect(try await verify(path).failure == VerificationFailure(position: GlobalPosition(14), problem: .streamLinkMismatch))
    }

    @Test("a truncated data file is a clear error when the store opens, never a crash")
    func truncated() async throws {
        let path = TemporaryDirectory.path + "/big"
        do {
            let store = try LMDBEventStore(path: path)
            let payload = [UInt8](repeating: 0x61, count: 2048)
            _ = try await store.bulkLoad(try (0..<2000).map { n in (try stream("T-\(n % 10)"), try ProposedEvent(id: EventID("t\(n)"), type: "t", payload: payload)) })
        }
        let file = path + "/data.mdb"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(truncate(file, off_t(size / 2)) == 0)
        #expect {
            _ = try LMDBEventStore(path: path)
        } throws: { error in
            "\(error)".contains("truncated")
        }
    }
}
