/// Sorts index entries by key, keeping entries with equal keys in their order (stable): four
/// passes of a 16-bit least-significant-digit radix sort. Bulk loads collect entries in log
/// order, so the result is ordered by (key, seq), as LMDB stores them. On 10 million entries it
/// is several times faster than a comparison sort.
func radixSort(_ entries: inout [(key: UInt64, seq: UInt64)]) {
    guard entries.count > 1 else { return }
    var buffer = entries
    var counts = [Int](repeating: 0, count: 1 << 16)
    for pass in 0..<4 {
        let shift = UInt64(pass * 16)
        // Skip a pass whose digit is the same in every entry (common for the high digits).
        let first = (entries[0].key >> shift) & 0xffff
        if entries.allSatisfy({ ($0.key >> shift) & 0xffff == first }) { continue }
        for i in counts.indices { counts[i] = 0 }
        for entry in entries { counts[Int((entry.key >> shift) & 0xffff)] += 1 }
        var total = 0
        for i in counts.indices {
            let count = counts[i]
            counts[i] = total
            total += count
        }
        for entry in entries {
            let digit = Int((entry.key >> shift) & 0xffff)
            buffer[counts[digit]] = entry
            counts[digit] += 1
        }
        swap(&entries, &buffer)
    }
}
