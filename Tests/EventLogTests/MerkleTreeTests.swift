import Crypto
import EventLog
import PropertyBased
import Testing

/// The tree, its roots and proofs against a naive recomputation straight from RFC 6962's
/// definitions (MTH, PATH, PROOF), for every size from 1 to a few hundred.
struct MerkleTreeTests {
    /// Event hashes 0…n−1 (any distinct hashes will do).
    static func events(_ n: Int) -> [EventHash] {
        (0..<n).map { i in SHA256.hash(data: Array("event \(i)".utf8)).withUnsafeBytes { EventHash(bytes: $0) } }
    }

    /// MTH(D[lo:hi]), RFC 6962 2.1.
    static func naiveRoot(_ leaves: ArraySlice<EventHash>) -> EventHash {
        if leaves.count == 1 { return MerkleTree.leafHash(leaves.first!) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        return MerkleTree.nodeHash(naiveRoot(leaves[lo..<lo + k]), naiveRoot(leaves[(lo + k)...]))
    }

    /// PATH(m, D[n]), RFC 6962 2.1.1.
    static func naivePath(_ m: Int, _ leaves: ArraySlice<EventHash>) -> [EventHash] {
        guard leaves.count > 1 else { return [] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        return m < k ? naivePath(m, leaves[lo..<lo + k]) + [naiveRoot(leaves[(lo + k)...])]
            : naivePath(m - k, leaves[(lo + k)...]) + [naiveRoot(leaves[lo..<lo + k])]
    }

    /// PROOF(m, D[n]) through SUBPROOF, RFC 6962 2.1.2.
    static func naiveConsistency(_ m: Int, _ leaves: ArraySlice<EventHash>, _ complete: Bool = true) -> [EventHash] {
        if m == leaves.count { return complete ? [] : [naiveRoot(leaves)] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        return m <= k ? naiveConsistency(m, leaves[lo..<lo + k], complete) + [naiveRoot(leaves[(lo + k)...])]
            : naiveConsistency(m - k, leaves[(lo + k)...], false) + [naiveRoot(leaves[lo..<lo + k])]
    }

    /// Appends `events` through a frontier, keeping every stored hash in stored-index order.
    static func grow(_ events: [EventHash]) -> (stored: [EventHash], frontiers: [MerkleTree.Frontier]) {
        var frontier = MerkleTree.Frontier(size: 0, hashes: []), stored: [EventHash] = [], frontiers = [frontier]
        for event in events {
            frontier.append(eventHash: event) { stored.append($0) }
            frontiers.append(frontier)
        }
        return (stored, frontiers)
    }

    @Test("each stored hash is found at the leaf whose append stored it: every hash of 1…300 leaves, and any index up to 2^60")
    func leafStoringIndex() async {
        var index: UInt64 = 0
        for leaf in UInt64(0)..<300 {
            for _ in 0..<(MerkleTree.storedCount(leaves: leaf + 1) - MerkleTree.storedCount(leaves: leaf)) {
                #expect(MerkleTree.leaf(storing: index) == leaf, "hash \(index)")
                index += 1
            }
        }
        await propertyCheck(input: Gen.uint64(in: 0...(1 << 60))) { index in
            let leaf = MerkleTree.leaf(storing: index)
            #expect(MerkleTree.storedCount(leaves: leaf) <= index && index < MerkleTree.storedCount(leaves: leaf + 1), "hash \(index), leaf \(leaf)")
        }
    }

    @Test("stored hashes, roots and inclusion proofs agree with RFC 6962 for every tree size 1…300, and verify")
    func rootsAndInclusion() {
        let events = Self.events(300)
        let (stored, frontiers) = Self.grow(events)
        for n in 1...300 {
            let leaves = events[0..<n]
            #expect(MerkleTree.storedCount(leaves: UInt64(n)) == UInt64(Self.grow(Array(leaves)).stored.count))
            let root = Self.naiveRoot(leaves)
            #expect(frontiers[n].root == root, "frontier root at \(n)")
            let plan = MerkleTree.rootPlan(size: UInt64(n))
            #expect(plan.evaluate(plan.indexes.map { stored[Int($0)] }) == [root], "root plan at \(n)")
            let restarted = MerkleTree.Frontier(size: UInt64(n), hashes: MerkleTree.frontierIndexes(size: UInt64(n)).map { stored[Int($0)] })
            #expect(restarted == frontiers[n], "frontier read back at \(n)")
            for m in Set([0, n / 3, n / 2, n - 1]) {
                let inclusion = MerkleTree.inclusionPlan(leaf: UInt64(m), size: UInt64(n))
                let proof = inclusion.evaluate(inclusion.indexes.map { stored[Int($0)] })
                #expect(proof == Self.naivePath(m, leaves), "PATH(\(m), \(n))")
                #expect(MerkleTree.verifyInclusion(eventHash: events[m], leaf: UInt64(m), size: UInt64(n), proof: proof, root: root))
            }
        }
    }

    @Test("consistency proofs agree with RFC 6962 for every pair of sizes up to 130, and verify")
    func consistency() {
        let events = Self.events(130)
        let (stored, _) = Self.grow(events)
        for new in 1...130 {
            let newRoot = Self.naiveRoot(events[0..<new])
            for old in 1...new {
                let plan = MerkleTree.consistencyPlan(old: UInt64(old), new: UInt64(new))
                let proof = plan.evaluate(plan.indexes.map { stored[Int($0)] })
                #expect(proof == (old == new ? [] : Self.naiveConsistency(old, events[0..<new])), "PROOF(\(old), \(new))")
                #expect(MerkleTree.verifyConsistency(old: UInt64(old), oldRoot: Self.naiveRoot(events[0..<old]), new: UInt64(new),
                                                     newRoot: newRoot, proof: proof), "verify PROOF(\(old), \(new))")
            }
        }
    }

    /// (A wrong size with the right root can pass for the leaves whose paths it leaves alike: the
    /// size is bound to the root by the signed checkpoint, and a bundle checks the signature.)
    @Test("a proof with any hash changed, a wrong leaf or root, or a forked old tree is refused")
    func tamperedProofsFail() async {
        let events = Self.events(260)
        let (stored, _) = Self.grow(events)
        await propertyCheck(input: Gen.int(in: 2...260), Gen.int(in: 0...259), Gen.int(in: 0...63)) { n, seed, pick in
            let m = seed % n, leaves = events[0..<n], root = Self.naiveRoot(leaves)
            let plan = MerkleTree.inclusionPlan(leaf: UInt64(m), size: UInt64(n))
            let proof = plan.evaluate(plan.indexes.map { stored[Int($0)] })
            #expect(MerkleTree.verifyInclusion(eventHash: events[m], leaf: UInt64(m), size: UInt64(n), proof: proof, root: root))
            var swapped = proof
            swapped[pick % proof.count] = MerkleTree.leafHash(swapped[pick % proof.count])
            #expect(!MerkleTree.verifyInclusion(eventHash: events[m], leaf: UInt64(m), size: UInt64(n), proof: swapped, root: root))
            #expect(!MerkleTree.verifyInclusion(eventHash: events[(m + 1) % n], leaf: UInt64(m), size: UInt64(n), proof: proof, root: root))
            #expect(!MerkleTree.verifyInclusion(eventHash: events[m], leaf: UInt64((m + 1) % n), size: UInt64(n), proof: proof, root: root))
            #expect(!MerkleTree.verifyInclusion(eventHash: events[m], leaf: UInt64(m), size: UInt64(n), proof: proof, root: Self.naiveRoot(events[0..<n - 1])))
            // A log that rewrote its past: an old tree whose leaf m differs is not a prefix.
            let old = max(1, m), consistency = MerkleTree.consistencyPlan(old: UInt64(old), new: UInt64(n))
            let consistencyProof = consistency.evaluate(consistency.indexes.map { stored[Int($0)] })
            var forked = Array(events[0..<old])
            forked[forked.count - 1] = MerkleTree.leafHash(forked[forked.count - 1])
            #expect(old == n || !MerkleTree.verifyConsistency(old: UInt64(old), oldRoot: Self.naiveRoot(forked[...]), new: UInt64(n),
                                                                newRoot: root, proof: consistencyProof))
        }
    }
}
