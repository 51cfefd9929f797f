@testable import EventLogLMDB
import PropertyBased
import Testing

struct RadixSortTests {
    @Test("radix sort orders by key and keeps equal keys in their order, like a stable sort")
    func matchesStableSort() async {
        // Keys from a small range collide often; keys from the full range exercise all digits.
        let keys = Gen.oneOf(Gen.uint64(in: 0...20), Gen.uint64(in: 0...UInt64.max))
        await propertyCheck(count: 200, input: keys.array(of: 0...300)) { keys in
            var entries = keys.enumerated().map { (key: $0.element, seq: UInt64($0.offset)) }
            let expected = entries.enumerated().sorted { a, b in
                a.element.key < b.element.key || (a.element.key == b.element.key && a.offset < b.offset)
            }.map(\.element)
            radixSort(&entries)
            #expect(entries.map(\.key) == expected.map(\.key))
            #expect(entries.map(\.seq) == expected.map(\.seq))
        }
    }
}
