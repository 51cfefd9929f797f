import Dispatch
public import EventLog
import LedgerLMDB

/// Extends the log's Merkle tree in `merkle`: each record's leaf and the subtrees it completes,
/// appended at the end of the table (stored indexes grow with the log).
///
/// The tree follows the log rather than being written with each record: it is derived from the
/// records' hashes like an index, and hashing it in the append path slowed imports by about 10%
/// and single appends by 10% (README, "Proofs"). It is extended in a transaction of its own when
/// a root or proof needs it, so appends pay nothing and a proof's first reader pays for the
/// events since the last.
struct TreeWriter {
    private var frontier: MerkleTree.Frontier
    private let tables: Tables

    /// The tree of the log's first `size` records, read back from its frontier.
    init(_ txn: borrowing WriteTransaction, tables: Tables, size: UInt64) throws {
        self.tables = tables
        frontier = try txn.treeFrontier(size: size, in: tables)
    }

    mutating func add(_ eventHash: EventHash, _ txn: borrowing WriteTransaction) throws {
        var next = MerkleTree.storedCount(leaves: frontier.size)
        try frontier.append(eventHash: eventHash) { node in
            try withKey(next) { key in
                try withUnsafeBytes(of: node) { try txn.put($0, forKey: key, in: tables.merkle, options: .append) }
            }
            next += 1
        }
    }
}

extension Transaction {
    /// The stored hash at `index`.
    /// - Throws: `.corruptStore` when the tree lacks it.
    func treeHash(at index: UInt64, in tables: Tables) throws -> EventHash {
        let hash = try withKey(index) { key in
            try withValue(forKey: key, in: tables.merkle) { $0.count == 32 ? EventHash(bytes: $0) : nil }
        }
        guard let hash = hash ?? nil else {
            throw EventStoreError(.corruptStore, "the Merkle tree has no hash at stored index \(index); rebuild it by opening the store writable")
        }
        return hash
    }

    /// The frontier of the tree of `size` leaves.
    func treeFrontier(size: UInt64, in tables: Tables) throws -> MerkleTree.Frontier {
        MerkleTree.Frontier(size: size, hashes: try MerkleTree.frontierIndexes(size: size).map { try treeHash(at: $0, in: tables) })
    }

    /// How many leaves the stored tree covers (its hashes are always those of a whole tree).
    func treeSize(in tables: Tables) throws -> UInt64 {
        let stored = UInt64(try statistics(of: tables.merkle).entries)
        var low: UInt64 = 0, high = stored  // storedCount(n) ≥ n: the size is at most `stored`
        while low < high {
            let mid = (low + high + 1) / 2
            if MerkleTree.storedCount(leaves: mid) <= stored { low = mid } else { high = mid - 1 }
        }
        return low
    }
}

extension LMDBEventStore {
    public func treeHashes(_ indexes: [UInt64]) async throws -> [EventHash] {
        let behind = try lookingUp { [tables] txn in
            try txn.treeSize(in: tables) < (try txn.logHead(in: tables)?.position.rawValue ?? 0)
        }
        if behind { try await extendTree() }
        return try lookingUp { [tables] txn in try indexes.map { try txn.treeHash(at: $0, in: tables) } }
    }

    /// Extends the tree to the log's head, on the writer's queue (between group commits).
    /// - Throws: `.readOnly` on a store open read-only whose tree is behind its log.
    public func extendTree() async throws {
        guard !configuration.readOnly else {
            throw EventStoreError(.readOnly, "the Merkle tree is behind the log; open the store writable once (dossier checkpoint) to extend it")
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.async {
                continuation.resume(with: Result {
                    do { try self.extendTreeSynchronously() } catch let error as EventStoreError { throw error } catch { throw EventStoreError(error) }
                })
            }
        }
    }

    /// Extends the tree to the log's head, a million records per transaction.
    private func extendTreeSynchronously() throws {
        while true {
            let done = try environment.write { txn -> Bool in
                guard let head = try txn.logHead(in: tables) else { return true }
                let size = try txn.treeSize(in: tables)
                guard size < head.position.rawValue else { return true }
                var tree = try TreeWriter(txn, tables: tables, size: size)
                let end = min(head.position.rawValue, size + 1_000_000)
                var seq = size + 1
                try txn.withCursor(on: tables.log) { cursor in
                    var step = Cursor.Position.atLeast(BigEndian.bytes(seq))
                    while seq <= end, try cursor.move(to: step, { key, record in
                        // A record ends with its hash (RecordLayout).
                        guard loadSeq(key) == seq, record.count >= 32 else {
                            throw EventStoreError(.corruptStore, "seq \(seq) is missing from the log", position: GlobalPosition(seq))
                        }
                        try tree.add(EventHash(bytes: record, at: record.count - 32), txn)
                        return true
                    }) == true {
                        seq += 1
                        step = .next
                    }
                }
                guard seq > end else { throw EventStoreError(.corruptStore, "seq \(seq) is missing from the log", position: GlobalPosition(seq)) }
                return false
            }
            if done { return }
        }
    }
}
