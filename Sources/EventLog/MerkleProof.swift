/// Checking proofs against roots (RFC 9162 2.1.3.2 and 2.1.4.2): what an offline verifier does
/// with a proof bundle, without the store.
extension MerkleTree {
    /// Whether `proof` (deepest first) shows that the event with hash `eventHash` is leaf `leaf`
    /// of the tree of `size` leaves whose root is `root`.
    public static func verifyInclusion(eventHash: EventHash, leaf: UInt64, size: UInt64, proof: [EventHash], root: EventHash) -> Bool {
        guard leaf < size else { return false }
        var fn = leaf, sn = size - 1, hash = leafHash(eventHash)
        for sibling in proof {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// Whether `proof` shows that the tree of `old` leaves with root `oldRoot` is a prefix of the
    /// tree of `new` leaves with root `newRoot`.
    public static func verifyConsistency(old: UInt64, oldRoot: EventHash, new: UInt64, newRoot: EventHash, proof: [EventHash]) -> Bool {
        guard old > 0, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }  // a complete old tree is its own first node
        guard let first = path.first else { return false }
        var fn = old - 1, sn = new - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var oldHash = first, newHash = first
        for node in path.dropFirst() {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                oldHash = nodeHash(node, oldHash)
                newHash = nodeHash(node, newHash)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                newHash = nodeHash(newHash, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && oldHash == oldRoot && newHash == newRoot
    }
}
