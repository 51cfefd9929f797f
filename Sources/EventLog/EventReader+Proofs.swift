/// Roots and proofs of the log's Merkle tree (integrity.md, "Proofs"), from the stored hashes
/// any backend keeps (``EventReader/treeHashes(_:)``): O(log n) reads in one call each.
extension EventReader {
    /// The root of the tree of the log's first `size` events (the empty tree's root for 0).
    public func treeRoot(size: UInt64) async throws -> EventHash {
        guard size > 0 else { return MerkleTree.emptyRoot }
        try await requireTree(size)
        let plan = MerkleTree.rootPlan(size: size)
        return plan.evaluate(try await treeHashes(plan.indexes))[0]
    }

    /// A checkpoint of the tree of the log's first `head.position` events (C2SP tlog-checkpoint,
    /// with the head's chain hash), as the log named `origin`, signed by `signer`.
    public func signedCheckpoint(at head: LogHead, origin: String, signer: NoteSigner) async throws -> SignedNote {
        let size = head.position.rawValue
        var note = SignedNote(text: TreeCheckpoint(origin: origin, size: size, root: try await treeRoot(size: size), head: head.hash).text)
        try note.sign(with: signer)
        return note
    }

    /// The audit path of the event at `seq` in the tree of `size` events, deepest first.
    public func inclusionProof(seq: GlobalPosition, size: UInt64) async throws -> [EventHash] {
        guard seq.rawValue >= 1, seq.rawValue <= size else {
            throw EventStoreError(.invalidEvent, "seq \(seq) is not in the tree of \(size) events")
        }
        try await requireTree(size)
        let plan = MerkleTree.inclusionPlan(leaf: seq.rawValue - 1, size: size)
        return plan.evaluate(try await treeHashes(plan.indexes))
    }

    /// The proof that the tree of `old` events is a prefix of the tree of `new`.
    public func consistencyProof(old: UInt64, new: UInt64) async throws -> [EventHash] {
        guard old >= 1, old <= new else {
            throw EventStoreError(.invalidEvent, "a consistency proof runs from a tree of 1 or more events to one as large or larger, not \(old) to \(new)")
        }
        try await requireTree(new)
        let plan = MerkleTree.consistencyPlan(old: old, new: new)
        return plan.evaluate(try await treeHashes(plan.indexes))
    }

    private func requireTree(_ size: UInt64) async throws {
        let events = try await head()?.position.rawValue ?? 0
        guard size <= events else { throw EventStoreError(.invalidEvent, "the log holds \(events) events, not \(size)") }
    }
}
