import DossierDomain
import PropertyBased
import Testing

/// Hostile input (issue: bad input): valid lines and encodings mutated at random — bytes
/// flipped, removed, inserted, cut — must never crash or hang the parser or the decoders; a line
/// that is refused is refused with an error naming its line number.
enum Mutation {
    static func mutate(_ bytes: [UInt8], seed: UInt64) -> [UInt8] {
        var rng = SplitMix(state: seed)
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !out.isEmpty else { break }
            let at = Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0...4, using: &rng) {
            case 0: out[at] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: out.remove(at: at)
            case 2: out.insert([0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3a, 0x00, 0xff, 0xc3, 0x30].randomElement(using: &rng) ?? 0, at: at)
            case 3: out = Array(out.prefix(at))
            default: out.insert(contentsOf: out[at..<min(out.count, at + 8)], at: at)
            }
        }
        return out
    }
}

struct FuzzTests {
    @Test("mutated JSON lines never crash the parser; every refusal names the line")
    func mutatedLines() async {
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 1...1_000_000)) { seed, number in
            let line = Mutation.mutate(Array(arbitraryEvent(seed).jsonLine().utf8), seed: seed &+ 1)
            let outcome = line.withUnsafeBufferPointer { bytes in Result { () throws(EventRejection) in try LogLine.parse(line: bytes, number: number) } }
            if case .failure(let rejection) = outcome {
                #expect(rejection.line == number)
                #expect(rejection.description.contains("line \(number)"))
            }
        }
    }

    @Test("mutated binary payloads and stored states never crash the decoders")
    func mutatedBinary() async {
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let event = arbitraryEvent(seed)
            let payload = Mutation.mutate(event.encodedPayload(), seed: seed &+ 2)
            let decoded = payload.withUnsafeBytes { bytes in
                Result { () throws(PayloadError) in try DossierEvent(id: event.id, dossier: event.dossier, wireName: event.type.wireName, payload: bytes) }
            }
            if case .success(let other) = decoded { #expect(other.encodedPayload() == payload) }  // accepted only if canonical

            if let state = try? DossierState.fold(arbitraryStory(seed), rules: rules) {
                let bytes = Mutation.mutate(state.encoded(), seed: seed &+ 3)
                let restored = bytes.withUnsafeBytes { raw in Result { () throws(PayloadError) in try DossierState(decoding: raw) } }
                if case .success(let other) = restored { #expect(other.encoded() == bytes) }
            }
        }
    }
}
