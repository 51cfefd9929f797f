@testable import EventLogLMDB
import EventLog
import PropertyBased
import Testing

/// The open-addressing tables of bulk loads behave like dictionaries, through growth and collisions.
struct LoadTablesTests {
    @Test("the load's id table answers like a dictionary of first seqs, across growth")
    func idTableMatchesDictionary() async {
        // Keys from a small range repeat often; the full range spreads over many buckets.
        let keys = Gen.oneOf(Gen.uint64(in: 0...50), Gen.uint64(in: 0...UInt64.max))
        await propertyCheck(count: 100, input: keys.array(of: 0...2_000)) { keys in
            var table = LoadIDTable(buckets: 16)
            var model: [UInt64: UInt64] = [:]
            for (offset, key) in keys.enumerated() {
                let seq = UInt64(offset + 1)
                #expect(table.insert(seq, forKey: key) == model[key])
                if model[key] == nil { model[key] = seq }
            }
            for key in keys { #expect(table.seq(forKey: key) == model[key]) }
            #expect(table.seq(forKey: 51) == model[51])
        }
    }

    @Test("stream slots are 0, 1, 2, … by first appearance, the same for the same name, even when hashes collide")
    func streamSlots() async {
        await propertyCheck(count: 30, input: Gen.int(in: 0...700).array(of: 0...2_000), Gen.bool) { names, collide in
            let table = StreamSlotTable()
            var model: [String: Int] = [:]
            for n in names {
                var name = "D-\(n)"
                // With `collide`, every name has the same hash: slots must still tell names apart.
                let hash = collide ? 42 : fnv1a64(name.utf8)
                let known = name.withUTF8 { table.slot(of: UnsafeRawBufferPointer($0), hash: hash) }
                #expect(known == model[name])
                let slot = name.withUTF8 { table.slot(assigning: UnsafeRawBufferPointer($0), hash: hash) }
                if model[name] == nil { model[name] = model.count }
                #expect(slot == model[name])
            }
            #expect(table.count == model.count)
        }
    }
}

struct NameOrderTests {
    @Test("byteOrder sorts names as LMDB orders keys: by bytes, a prefix first, beyond 32 shared bytes too")
    func matchesByteComparison() async {
        // Long shared prefixes, zero bytes and prefixes of each other, as dossier codes and odd stream names have.
        let name = Gen.oneOf(Gen.int(in: 0...40).map { Array(repeating: UInt8(ascii: "a"), count: $0) + [UInt8(ascii: "b")] },
                             Gen.uint8(in: 0...3).array(of: 0...36),
                             Gen.int(in: 0...99).map { Array("000.00.17.H19-250304-00\($0)".utf8) })
        await propertyCheck(count: 200, input: name.array(of: 0...60)) { names in
            let order = names.withUnsafeBufferPointers { byteOrder($0) }
            let sorted = order.map { names[$0] }
            #expect(sorted == names.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(order.sorted() == Array(names.indices))
        }
    }

    @Test("the id filter never says no to an id it was given")
    func filterHasNoFalseNegatives() async {
        await propertyCheck(count: 50, input: Gen.uint64(in: 0...UInt64.max).array(of: 0...5_000)) { keys in
            var filter = IDFilter(expected: 1_000)
            for key in keys { filter.insert(key) }
            #expect(keys.allSatisfy(filter.mayContain))
        }
    }
}

extension Array where Element == [UInt8] {
    /// Calls `body` with a buffer pointer for each element, valid during the call.
    func withUnsafeBufferPointers<R>(_ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        let copies = map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { copies.forEach { $0.deallocate() } }
        return body(copies.map { UnsafeRawBufferPointer($0) })
    }
}
