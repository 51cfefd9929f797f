import Crypto

/// The log as a Merkle tree (RFC 6962 / RFC 9162): leaf i (0-based) is the event at seq i + 1,
/// leaf hash = SHA-256(0x00 ‖ the event's hash), interior node = SHA-256(0x01 ‖ left ‖ right);
/// the tree of size n covers seq 1…n.
///
/// A store keeps the hash of every *complete* subtree (2^level leaves starting at a multiple of
/// 2^level), numbered in the order appending creates them (``storedIndex(level:index:)``): an
/// append only adds at the end. Any tree's root and any proof are then a few stored hashes
/// combined: ``Plan`` says which to read, and ``Plan/evaluate(_:)`` combines them.
public enum MerkleTree: Sendable {
    public static func leafHash(_ eventHash: EventHash) -> EventHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        withUnsafeBytes(of: eventHash) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { EventHash(bytes: $0) }
    }

    public static func nodeHash(_ left: EventHash, _ right: EventHash) -> EventHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        withUnsafeBytes(of: left) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: right) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { EventHash(bytes: $0) }
    }

    /// Where the complete subtree of 2^`level` leaves starting at leaf `index` · 2^`level` comes in
    /// the order appends create stored hashes: after the leaf that completes it and the subtrees
    /// below it that this leaf completes.
    public static func storedIndex(level: Int, index: UInt64) -> UInt64 {
        // The leaf that completes the subtree is its last; the hashes stored before that leaf's own
        // are 2k − popcount(k) for k leaves before it, and the leaf's completions follow it level by level.
        let last = (index + 1) << UInt64(level) - 1
        return storedCount(leaves: last) + UInt64(level)
    }

    /// How many complete-subtree hashes a tree of `leaves` leaves has stored: 2n − popcount(n).
    public static func storedCount(leaves: UInt64) -> UInt64 {
        2 * leaves - UInt64(leaves.nonzeroBitCount)
    }

    /// The leaf (0-based) whose append stored the hash numbered `index`: the one leaf with
    /// storedCount(leaf) ≤ index < storedCount(leaf + 1). A store that keeps each append's
    /// hashes with its event finds a stored hash here.
    public static func leaf(storing index: UInt64) -> UInt64 {
        // storedCount(n) lies within 2n − 64 … 2n: the leaf lies within index / 2 − 1 … index / 2 + 32.
        var low = index / 2 > 0 ? index / 2 - 1 : 0, high = index / 2 + 32
        while low < high {  // the first leaf whose append ends past index
            let middle = (low + high) / 2
            if storedCount(leaves: middle + 1) > index { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The complete subtrees along the right edge of a growing tree: what an append needs to
    /// know to store the hashes it completes, without reading any.
    public struct Frontier: Sendable, Hashable {
        /// Leaves so far.
        public private(set) var size: UInt64
        /// The complete subtrees of the size's binary decomposition, largest (leftmost) first.
        public private(set) var hashes: [EventHash]

        /// `hashes` are the stored hashes of the subtrees of `size`'s decomposition, largest first
        /// (``MerkleTree/frontierIndexes(size:)`` says which).
        public init(size: UInt64, hashes: [EventHash]) {
            precondition(hashes.count == size.nonzeroBitCount, "a frontier holds one subtree per set bit of the size")
            self.size = size
            self.hashes = hashes
        }

        /// Adds a leaf; `store` receives the hashes it completes, in stored-index order (the leaf's
        /// own first).
        public mutating func append(eventHash: EventHash, store: (EventHash) throws -> Void) rethrows {
            var hash = MerkleTree.leafHash(eventHash)
            try store(hash)
            var n = size
            while n & 1 == 1 {
                hash = MerkleTree.nodeHash(hashes.removeLast(), hash)
                try store(hash)
                n >>= 1
            }
            hashes.append(hash)
            size += 1
        }

        /// The root of the tree so far (the hash of the empty string for no leaves).
        public var root: EventHash {
            guard var hash = hashes.last else { return MerkleTree.emptyRoot }
            for left in hashes.dropLast().reversed() { hash = MerkleTree.nodeHash(left, hash) }
            return hash
        }
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = SHA256.hash(data: [UInt8]()).withUnsafeBytes { EventHash(bytes: $0) }

    /// The stored indexes of the subtrees of `size`'s binary decomposition, largest first: a
    /// ``Frontier`` of that size.
    public static func frontierIndexes(size: UInt64) -> [UInt64] {
        aligned(0, size).map { storedIndex(level: $0.level, index: $0.index) }
    }

    /// The range [lo, hi) as complete aligned subtrees, left to right (each `index` in units of
    /// its own size). For [0, n) and for the right parts RFC 6962 splits off, these combine right
    /// to left into the range's hash.
    static func aligned(_ lo: UInt64, _ hi: UInt64) -> [(level: Int, index: UInt64)] {
        var out: [(Int, UInt64)] = [], at = lo
        while at < hi {
            var level = at == 0 ? 63 : at.trailingZeroBitCount
            while at + (1 << UInt64(level)) > hi { level -= 1 }
            out.append((level, at >> UInt64(level)))
            at += 1 << UInt64(level)
        }
        return out
    }
}

extension MerkleTree {
    /// Which stored hashes a root or proof needs, and how they combine: each result hash is the
    /// hash of a range of leaves, made of complete subtrees combined right to left.
    public struct Plan: Sendable {
        /// The stored indexes to read, in the order ``evaluate(_:)`` takes their hashes.
        public let indexes: [UInt64]
        private let ranges: [Int]  // how many of `indexes` each result combines

        init(_ ranges: [(UInt64, UInt64)]) {
            var indexes: [UInt64] = [], counts: [Int] = []
            for (lo, hi) in ranges {
                let parts = MerkleTree.aligned(lo, hi)
                indexes += parts.map { MerkleTree.storedIndex(level: $0.level, index: $0.index) }
                counts.append(parts.count)
            }
            self.indexes = indexes
            self.ranges = counts
        }

        /// The result hashes from the stored hashes at ``indexes``.
        public func evaluate(_ stored: [EventHash]) -> [EventHash] {
            precondition(stored.count == indexes.count, "one stored hash per index")
            var out: [EventHash] = [], at = 0
            for count in ranges {
                let parts = stored[at..<at + count]
                out.append(parts.dropLast().reversed().reduce(parts.last!) { MerkleTree.nodeHash($1, $0) })
                at += count
            }
            return out
        }
    }

    /// The root of the tree of `size` > 0 leaves.
    public static func rootPlan(size: UInt64) -> Plan {
        precondition(size > 0, "the empty tree's root is emptyRoot")
        return Plan([(0, size)])
    }

    /// The audit path of leaf `leaf` in the tree of `size` leaves (RFC 6962 2.1.1), deepest first.
    public static func inclusionPlan(leaf: UInt64, size: UInt64) -> Plan {
        precondition(leaf < size, "leaf \(leaf) is not in a tree of \(size)")
        var ranges: [(UInt64, UInt64)] = []
        func path(_ m: UInt64, _ lo: UInt64, _ hi: UInt64) {
            guard hi - lo > 1 else { return }
            let k = largestPowerOfTwo(below: hi - lo)
            if m < k { path(m, lo, lo + k); ranges.append((lo + k, hi)) } else { path(m - k, lo + k, hi); ranges.append((lo, lo + k)) }
        }
        path(leaf, 0, size)
        return Plan(ranges)
    }

    /// The proof that the tree of `old` leaves is a prefix of the tree of `new` (RFC 6962 2.1.2).
    public static func consistencyPlan(old: UInt64, new: UInt64) -> Plan {
        precondition(0 < old && old <= new, "a consistency proof runs from a non-empty tree to one at least as large")
        var ranges: [(UInt64, UInt64)] = []
        func subproof(_ m: UInt64, _ lo: UInt64, _ hi: UInt64, _ complete: Bool) {
            if m == hi - lo {
                if !complete { ranges.append((lo, hi)) }
                return
            }
            let k = largestPowerOfTwo(below: hi - lo)
            if m <= k { subproof(m, lo, lo + k, complete); ranges.append((lo + k, hi)) } else { subproof(m - k, lo + k, hi, false); ranges.append((lo, lo + k)) }
        }
        if old < new { subproof(old, 0, new, true) }
        return Plan(ranges)
    }

    /// The largest power of two below `n` (> 1).
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
