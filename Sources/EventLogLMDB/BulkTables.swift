import Dispatch
import EventLog

/// The ids of a bulk load: the first seq under each ``idKey(_:)``, in an open-addressing table
/// probed by the key itself (already a hash), so a lookup and an insert are one probe each,
/// without hashing again.
struct LoadIDTable {
    /// seq 0: an empty bucket (seqs start at 1).
    private var buckets: [(key: UInt64, seq: UInt64)]
    private var count = 0
    private let initialBuckets: Int

    /// - Parameter buckets: the first capacity, a power of two; it doubles when 3/4 full.
    init(buckets: Int) {
        initialBuckets = buckets
        self.buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: buckets)
    }

    private func start(_ key: UInt64) -> Int { Int(truncatingIfNeeded: ((key ^ (key >> 31)) &* 0x9E37_79B9_7F4A_7C15) >> 20) & (buckets.count - 1) }

    /// The bucket holding `key`, or the empty one where it would go.
    private func probe(_ key: UInt64) -> Int {
        let mask = buckets.count - 1
        var bucket = start(key)
        while buckets[bucket].seq != 0 && buckets[bucket].key != key { bucket = (bucket + 1) & mask }
        return bucket
    }

    func seq(forKey key: UInt64) -> UInt64? {
        let seq = buckets[probe(key)].seq
        return seq == 0 ? nil : seq
    }

    /// Records `seq` under `key`, unless a seq is there already: returns that one.
    mutating func insert(_ seq: UInt64, forKey key: UInt64) -> UInt64? {
        let bucket = probe(key)
        if buckets[bucket].seq != 0 { return buckets[bucket].seq }
        buckets[bucket] = (key, seq)
        count += 1
        if count * 4 > buckets.count * 3 { grow() }
        return nil
    }

    mutating func removeAll() {
        buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: initialBuckets)
        count = 0
    }

    private mutating func grow() {
        let old = buckets
        buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: old.count * 2)
        let mask = buckets.count - 1
        for entry in old where entry.seq != 0 {
            var bucket = start(entry.key)
            while buckets[bucket].seq != 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = entry
        }
    }
}

/// A blocked Bloom filter of id hashes: "certainly not added" or "perhaps added", in about 12
/// bits per id, each query reading one 64-byte block. A wrong "perhaps" costs a lookup in the
/// `ids` database, never a wrong answer.
struct IDFilter {
    private var words: [UInt64]
    private let blockMask: Int

    /// Sized for `expected` ids (at most 256 MiB; one block for none); more still work, with more
    /// wrong "perhaps".
    init(expected: Int) {
        var blocks = 1
        while blocks < (1 << 22) && blocks * 512 < expected * 12 { blocks *= 2 }
        words = [UInt64](repeating: 0, count: blocks * 8)
        blockMask = blocks - 1
    }

    /// The block's first word (from the hash's top bits, multiplied) and six bit numbers within
    /// its 512 bits (from another mix of the hash).
    private func probe(_ key: UInt64) -> (base: Int, bits: UInt64) {
        var h = key
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        let block = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & blockMask
        return (block * 8, h)
    }

    mutating func insert(_ key: UInt64) {
        var (base, bits) = probe(key)
        for _ in 0..<6 {
            let bit = Int(bits & 511)
            words[base + bit >> 6] |= 1 << UInt64(bit & 63)
            bits >>= 9
        }
    }

    func mayContain(_ key: UInt64) -> Bool {
        var (base, bits) = probe(key)
        for _ in 0..<6 {
            let bit = Int(bits & 511)
            if words[base + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            bits >>= 9
        }
        return true
    }
}

/// A flush's ordering work in two parts that touch disjoint fields, so that they may run on two
/// threads at once: the ids (part 0); the stream index and the changed heads' names (part 1).
final class Ordering: @unchecked Sendable {
    var streamIndex: [(key: UInt64, seq: UInt64)]
    var ids: [(key: UInt64, seq: UInt64)]
    let names: [UnsafeRawBufferPointer]
    var headOrder: [Int] = []

    init(streamIndex: [(key: UInt64, seq: UInt64)], ids: [(key: UInt64, seq: UInt64)], names: [UnsafeRawBufferPointer]) {
        self.streamIndex = streamIndex
        self.ids = ids
        self.names = names
    }

    func run(part: Int) {
        if part == 0 {
            radixSort(&ids)
        } else {
            radixSort(&streamIndex)
            headOrder = byteOrder(names)
        }
    }
}
