import EventLog
import Foundation
import LedgerLMDB
import EventLogLMDB
import LedgerTesting
import Testing

/// The Merkle tree every backend keeps as it appends (one by one, in batches, in bulk loads, as
/// a replica): roots equal to a recomputation from the log's own hashes, proofs that verify.
@Suite(.temporaryDirectory)
struct MerkleConformanceTests {
    /// The root recomputed from the log's event hashes alone.
    static func recomputedRoot(_ store: any EventStore, size: Int) async throws -> EventHash {
        var frontier = MerkleTree.Frontier(size: 0, hashes: [])
        for record in try await store.readAll(from: GlobalPosition(1), limit: size) { frontier.append(eventHash: record.hash) { _ in } }
        return frontier.root
    }

    @Test("appends, batches and bulk loads keep the tree: every root recomputes and every proof verifies", arguments: Backend.allCases)
    func treeFollowsTheLog(backend: Backend) async throws {
        let store = try await backend.open()
        #expect(try await store.treeRoot(size: 0) == MerkleTree.emptyRoot)
        var roots: [UInt64: EventHash] = [:]
        for i in 0..<37 {
            _ = try await store.append([event("a-\(i)")], to: stream("D-\(i % 5)"))
            if i % 9 == 0 { roots[UInt64(i + 1)] = try await store.treeRoot(size: UInt64(i + 1)) }
        }
        _ = try await store.append((0..<20).map { try event("batch-\($0)") }, to: stream("D-batch"))
        _ = try await store.load(try (0..<300).map { (try stream("D-\($0 % 17)"), try event("bulk-\($0)")) })
        _ = try await store.append([event("after")], to: stream("D-1"))
        let size = try #require(try await store.head()).position.rawValue
        #expect(size == 358)
        let root = try await store.treeRoot(size: size)
        #expect(root == (try await Self.recomputedRoot(store, size: Int(size))))
        for (old, oldRoot) in roots {
            #expect(oldRoot == (try await Self.recomputedRoot(store, size: Int(old))))
            let proof = try await store.consistencyProof(old: old, new: size)
            #expect(MerkleTree.verifyConsistency(old: old, oldRoot: oldRoot, new: size, newRoot: root, proof: proof))
        }
        for record in try await store.readAll(from: GlobalPosition(1), limit: Int(size)) where record.position.rawValue % 7 == 1 {
            let proof = try await store.inclusionProof(seq: record.position, size: size)
            #expect(MerkleTree.verifyInclusion(eventHash: record.hash, leaf: record.position.rawValue - 1, size: size, proof: proof, root: root))
        }
        await #expect(throws: EventStoreError.self) { try await store.treeRoot(size: size + 1) }
    }

    @Test("a store written before the tree existed gets it when opened writable")
    func olderStoreGetsItsTree() async throws {
        let path = TemporaryDirectory.path + "/older"
        var root: EventHash
        do {
            let store = try LMDBEventStore(path: path)
            for batch in 0..<10 { _ = try await store.append(try (0..<100).map { try event("old-\(batch)-\($0)") }, to: stream("D-\(batch)")) }
            root = try await store.treeRoot(size: 1_000)
        }
        // The store's last read may still be returning on its queue: wait until it has let go.
        for attempt in 1...100 {
            do { try Self.forgetTree(path); break } catch let error as LMDBError where error.code == .busy && attempt < 100 {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let reopened = try LMDBEventStore(path: path)
        #expect(try await reopened.treeRoot(size: 1_000) == root)
        #expect(try await reopened.treeRoot(size: 1_000) == (try await Self.recomputedRoot(reopened, size: 1_000)))
    }

    /// Leaves the store as an older version wrote it: no tree.
    static func forgetTree(_ path: String) throws {
        let environment = try Environment(path: path, configuration: .init(maxDatabases: 8))
        let merkle = try environment.openDatabases([Database.Specification("merkle")])[0]
        try environment.write { txn in try txn.empty(merkle) }
    }
}
