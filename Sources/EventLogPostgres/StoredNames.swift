import EventLog

/// A Bloom filter of names (event ids, stream names) stored before a bulk load: "not stored" is
/// certain, "maybe" is asked of the table. About 10 bits a name, 7 probes: under 1% of the
/// names not stored are asked about in vain.
struct StoredNames: Sendable {
    private var bits: [UInt64]
    private let mask: UInt64

    init(expected count: Int) {
        var size: UInt64 = 1024
        while size < UInt64(max(count, 1)) * 10 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: Int(size / 64))
        mask = size - 1
    }

    mutating func insert(_ name: some Collection<UInt8>) {
        for bit in probes(name) { bits[Int(bit >> 6)] |= 1 << (bit & 63) }
    }

    func mayContain(_ name: some Collection<UInt8>) -> Bool {
        probes(name).allSatisfy { bit in bits[Int(bit >> 6)] & (1 << (bit & 63)) != 0 }
    }

    /// Seven bit positions by double hashing of FNV-1a 64.
    private func probes(_ name: some Collection<UInt8>) -> [UInt64] {
        let first = fnv1a64(name)
        let second = (first >> 29 ^ first &* 0x9E37_79B9_7F4A_7C15) | 1
        return (0..<7).map { (first &+ UInt64($0) &* second) & mask }
    }
}
