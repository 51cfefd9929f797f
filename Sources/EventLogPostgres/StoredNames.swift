import EventLog

/// A Bloom filter of names (event ids, stream names) stored before a bulk load: "not stored" is
/// certain, "maybe" is asked of the table (which ends the load's `COPY` for a moment). About 20
/// bits a name, 10 probes: one name in about 10,000 not stored is asked about in vain.
struct StoredNames: Sendable {
    private var bits: [UInt64]
    private let mask: UInt64
    private static let probes = 10

    init(expected count: Int) {
        var size: UInt64 = 1 << 16
        while size < UInt64(max(count, 1)) * 20 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: Int(size / 64))
        mask = size - 1
    }

    mutating func insert(_ name: some Collection<UInt8>) {
        let (first, second) = Self.hashes(name)
        for probe in 0..<UInt64(Self.probes) {
            let bit = (first &+ probe &* second) & mask
            bits[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    func mayContain(_ name: some Collection<UInt8>) -> Bool {
        let (first, second) = Self.hashes(name)
        for probe in 0..<UInt64(Self.probes) {
            let bit = (first &+ probe &* second) & mask
            if bits[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
        }
        return true
    }

    /// The bit positions by double hashing of FNV-1a 64.
    private static func hashes(_ name: some Collection<UInt8>) -> (UInt64, UInt64) {
        let first = fnv1a64(name)
        return (first, (first >> 29 ^ first &* 0x9E37_79B9_7F4A_7C15) | 1)
    }
}

/// The names a bulk load has written, in Bloom filters that grow with it (one of twice the
/// size once the last holds what it was made for): a few bytes a name, however long the load.
struct LoadedNames: Sendable {
    private var filters: [StoredNames]
    private var capacity: Int
    private var count = 0

    init(expected: Int) {
        capacity = max(expected, 1 << 12)
        filters = [StoredNames(expected: capacity)]
    }

    mutating func insert(_ name: some Collection<UInt8>) {
        if count == capacity {
            capacity *= 2
            count = 0
            filters.append(StoredNames(expected: capacity))
        }
        filters[filters.count - 1].insert(name)
        count += 1
    }

    func mayContain(_ name: some Collection<UInt8>) -> Bool {
        filters.contains { $0.mayContain(name) }
    }
}
