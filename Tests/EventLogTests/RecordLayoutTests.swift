import EventLog
import PropertyBased
import Testing

/// Generators of the store's inputs.
enum Gens {
    static let shortString = Gen.letterOrNumber.string(of: 1...40)
    static let payload = Gen.uint8(in: 0...255).array(of: 0...300)
}

private func event(_ id: String, _ type: String, _ payload: [UInt8]) throws -> ProposedEvent {
    try ProposedEvent(id: EventID(id), type: type, payload: payload)
}

struct RecordLayoutTests {
    @Test("a record decodes to exactly the fields it was encoded from")
    func roundTrip() async {
        await propertyCheck(input: Gens.shortString, Gens.shortString, Gens.shortString, Gens.payload,
                            Gen.uint64(in: 1...UInt64.max), Gen.int64(in: Int64.min...Int64.max)) { id, stream, type, payload, seq, micros in
            let proposed = try event(id, type, payload)
            let streamID = try StreamID(stream)
            let previousInStream = EventHash(hex: String(repeating: "ab", count: 32))!
            let bytes = RecordLayout.encode(proposed, stream: streamID, position: GlobalPosition(seq), version: StreamVersion(seq / 2 + 1),
                                            recorded: RecordedTime(rawValue: micros), previousInStream: previousInStream, previousHash: .zero)
            #expect(bytes.count == RecordLayout.size(of: proposed, in: streamID))
            let decoded = try bytes.withUnsafeBytes { raw in try RecordView(bytes: raw, at: GlobalPosition(seq)).decode() }
            #expect(decoded.position == GlobalPosition(seq))
            #expect(decoded.version == StreamVersion(seq / 2 + 1))
            #expect(decoded.recorded == RecordedTime(rawValue: micros))
            #expect(decoded.id == proposed.id)
            #expect(decoded.stream == streamID)
            #expect(decoded.type == type)
            #expect(decoded.payload == payload)
            #expect(decoded.previousInStream == previousInStream)
        }
    }

    @Test("the hash is SHA-256 over the previous hash and the record, and changes with any byte")
    func hashCoversEveryByte() async throws {
        let proposed = try event("e1", "dossier.received.v1", Array("payload".utf8))
        let bytes = RecordLayout.encode(proposed, stream: try StreamID("D-1"), position: .first, version: StreamVersion(1),
                                        recorded: RecordedTime(rawValue: 1_700_000_000_000_000), previousInStream: .zero, previousHash: .zero)
        let stored = bytes.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
        #expect(bytes.withUnsafeBytes { RecordLayout.chainHash(previous: .zero, body: UnsafeRawBufferPointer(rebasing: $0[..<($0.count - 32)])) } == stored)
        await propertyCheck(input: Gen.int(in: 0...(bytes.count - 33)), Gen.uint8(in: 1...255)) { index, flip in
            var tampered = bytes
            tampered[index] ^= flip
            let recomputed = tampered.withUnsafeBytes { raw in
                RecordLayout.chainHash(previous: .zero, body: UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 32)]))
            }
            #expect(recomputed != stored)
        }
    }

    @Test("mutated or truncated bytes are rejected as corrupt, never a crash")
    func mutatedRecordsAreRejectedSafely() async throws {
        let proposed = try event("e1", "t", Array("x".utf8))
        let bytes = RecordLayout.encode(proposed, stream: try StreamID("s"), position: .first, version: StreamVersion(1),
                                        recorded: RecordedTime(rawValue: 0), previousInStream: .zero, previousHash: .zero)
        await propertyCheck(count: 500, input: Gen.int(in: 0...bytes.count), Gen.int(in: 0...(bytes.count - 1)), Gen.uint8(in: 0...255)) { cut, index, value in
            var mutated = Array(bytes.prefix(cut))
            if index < mutated.count { mutated[index] = value }
            do {
                let decoded = try mutated.withUnsafeBytes { try RecordView(bytes: $0, at: .first).decode() }
                // A mutation that keeps the framing valid decodes, and only then.
                #expect(mutated.count == bytes.count)
                #expect(decoded.payload.count <= bytes.count)
            } catch let error as EventStoreError {
                #expect(error.code == .corruptRecord)
                #expect(error.position == .first)
            }
        }
    }

    @Test("hashes print and parse as 64 hexadecimal digits")
    func hashHex() async {
        await propertyCheck(input: Gen.uint8(in: 0...255).array(of: 32)) { bytes in
            let hash = bytes.withUnsafeBytes { EventHash(bytes: $0) }
            #expect(hash.hex.count == 64)
            #expect(EventHash(hex: hash.hex) == hash)
            #expect(hash.bytes == bytes)
        }
        #expect(EventHash(hex: "xyz") == nil)
    }

    @Test("ids, streams and types must be 1 to 255 bytes")
    func limits() {
        #expect(throws: EventStoreError.self) { try EventID("") }
        #expect(throws: EventStoreError.self) { try StreamID(String(repeating: "a", count: 256)) }
        #expect(throws: EventStoreError.self) { try ProposedEvent(id: EventID("a"), type: "", payload: []) }
        #expect(throws: Never.self) { try StreamID(String(repeating: "a", count: 255)) }
    }

}
