import Foundation
import LedgerLMDB
import LedgerTesting
import PropertyBased
import Testing

@Suite(.temporaryDirectory)
struct EnvironmentTests {
    let path = TemporaryDirectory.path + "/env"

    @Test("a committed write survives closing and reopening the environment")
    func writeCloseReopenRead() throws {
        do {
            let env = try Environment(path: path)
            let db = try env.openDatabases([.init("things")])[0]
            try env.write { txn in try txn.put(Array("value".utf8), forKey: Array("key".utf8), in: db) }
        }
        let env = try Environment(path: path)
        let db = try env.openDatabases([.init("things")])[0]
        let value = try env.read { txn in try txn.value(forKey: Array("key".utf8), in: db) }
        #expect(value == Array("value".utf8))
    }

    @Test("data and lock files are owner-only (0600)")
    func ownerOnlyFiles() throws {
        let env = try Environment(path: path)
        _ = try env.openDatabases([.init("things")])
        for file in ["data.mdb", "lock.mdb"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
    }

    @Test("with fsync after commit turned off and on again, writes are kept")
    func noSyncThenSync() throws {
        let env = try Environment(path: path, configuration: .init(options: .noSync))
        let db = try env.openDatabases([.init("things")])[0]
        try env.write { txn in try txn.put([1], forKey: [1], in: db) }
        try env.sync()
        try env.setSyncAfterCommit(true)
        try env.write { txn in try txn.put([2], forKey: [2], in: db) }
        #expect(try env.read { txn in try txn.statistics(of: db).entries } == 2)
    }

    @Test("a body that throws aborts the transaction and stores nothing")
    func thrownBodyAborts() throws {
        struct Boom: Error {}
        let env = try Environment(path: path)
        let db = try env.openDatabases([.init("things")])[0]
        #expect(throws: Boom.self) {
            try env.write { txn in
                try txn.put([1], forKey: [1], in: db)
                throw Boom()
            }
        }
        #expect(try env.read { txn in try txn.value(forKey: [1], in: db) } == nil)
    }

    @Test("the same path cannot be opened twice in one process")
    func oneEnvironmentPerPath() throws {
        let env = try Environment(path: path)
        #expect(throws: LMDBError.self) { _ = try Environment(path: path) }
        withExtendedLifetime(env) {}
        // Once closed, it opens again.
        _ = consume env
        _ = try Environment(path: path)
    }

    @Test("a read-only environment refuses to write, and a missing one fails to open with its path named")
    func readOnly() throws {
        do {
            let env = try Environment(path: path)
            _ = try env.openDatabases([.init("things")])
        }
        let env = try Environment(path: path, configuration: .init(options: .readOnly))
        let db = try env.openDatabases([.init("things", options: [])])[0]
        #expect(throws: LMDBError.self) { try env.write { txn in try txn.put([1], forKey: [1], in: db) } }
        let error = #expect(throws: LMDBError.self) {
            _ = try Environment(path: path + "-missing", configuration: .init(options: .readOnly))
        }
        #expect(error?.code == .noSuchFile)
        #expect(error?.description.contains(path + "-missing") == true)
    }

    @Test("the map grows when a write finds it full, and the write succeeds")
    func mapGrows() throws {
        let env = try Environment(path: path, configuration: .init(mapSize: 64 << 10))
        let db = try env.openDatabases([.init("things")])[0]
        let initial = env.mapSize
        let value = [UInt8](repeating: 7, count: 1000)
        try env.write { txn in
            for i in 0..<10_000 { try txn.put(value, forKey: BigEndian.bytes(UInt64(i)), in: db, options: .append) }
        }
        #expect(env.mapSize > initial)
        let count = try env.read { txn in try txn.statistics(of: db).entries }
        #expect(count == 10_000)
    }

    @Test("append refuses a key that is not greater than the last")
    func appendNeedsAscendingKeys() throws {
        let env = try Environment(path: path)
        let db = try env.openDatabases([.init("things")])[0]
        try env.write { txn in try txn.put([1], forKey: BigEndian.bytes(5), in: db, options: .append) }
        let error = #expect(throws: LMDBError.self) {
            try env.write { txn in try txn.put([1], forKey: BigEndian.bytes(4), in: db, options: .append) }
        }
        #expect(error?.code == .keyExists)
    }

    @Test("big-endian keys iterate in numeric order")
    func keyOrder() async throws {
        let env = try openEnvironment()
        await propertyCheck(count: 50, input: Gen.uint64(in: 0...UInt64.max).array(of: 1...200)) { numbers in
            let order = try cursorOrder(of: numbers, in: env.0, env.1)
            #expect(order == Array(Set(numbers)).sorted())
        }
    }

    private func openEnvironment() throws -> (Environment, Database) {
        let env = try Environment(path: path)
        return (env, try env.openDatabases([.init("things")])[0])
    }
}

private struct Rollback: Error {}

/// Writes `numbers` as big-endian keys, reads them back in cursor order, and rolls back.
private func cursorOrder(of numbers: [UInt64], in env: Environment, _ db: Database) throws -> [UInt64] {
    var seen: [UInt64] = []
    do {
        try env.write { txn in
            for n in numbers { try txn.put([], forKey: BigEndian.bytes(n), in: db) }
            try txn.withCursor(on: db) { cursor in
                var step = Cursor.Position.first
                while let key = try cursor.move(to: step, { key, _ in BigEndian.load(UInt64.self, from: key, at: 0) }) {
                    seen.append(key ?? 0)
                    step = .next
                }
            }
            throw Rollback()
        }
    } catch is Rollback {}
    return seen
}
