import EventLog
import Testing

/// Builds a valid chain of records in memory, the way a store would.
private func chain(_ streams: [String]) throws -> [[UInt8]] {
    var previous = EventHash.zero
    var heads: [String: (StreamVersion, EventHash)] = [:]
    var records: [[UInt8]] = []
    for (index, stream) in streams.enumerated() {
        let (version, streamHash) = heads[stream] ?? (.none, .zero)
        let event = try ProposedEvent(id: EventID("e\(index)"), type: "t", payload: [UInt8(index)])
        let bytes = RecordLayout.encode(event, stream: try StreamID(stream), position: GlobalPosition(UInt64(index + 1)),
                                        version: version.next, recorded: RecordedTime(rawValue: Int64(index)),
                                        previousInStream: streamHash, previousHash: previous)
        let hash = bytes.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
        heads[stream] = (version.next, hash)
        previous = hash
        records.append(bytes)
    }
    return records
}

/// Verifies `records` as if stored under `keys`; returns the first failure.
private func verify(_ records: [[UInt8]], keys: [UInt64]? = nil) throws -> VerificationFailure? {
    var verifier = ChainVerifier(start: .first, previousHash: .zero)
    for (index, bytes) in records.enumerated() {
        let key = GlobalPosition(keys?[index] ?? UInt64(index + 1))
        let failure = try bytes.withUnsafeBytes { raw in
            try verifier.check(try RecordView(bytes: raw, at: key), storedAt: key) { _, _ in nil }
        }
        if let failure { return failure }
    }
    return nil
}

struct ChainVerifierTests {
    let streams = ["a", "b", "a", "c", "b", "a"]

    @Test("an intact chain verifies")
    func intact() throws {
        #expect(try verify(chain(streams)) == nil)
    }

    @Test("a removed event is reported at its seq")
    func removed() throws {
        var records = try chain(streams)
        records.remove(at: 2)
        #expect(try verify(records, keys: [1, 2, 4, 5, 6])?.position == GlobalPosition(3))
    }

    @Test("two swapped events are reported at the first of them")
    func swapped() throws {
        var records = try chain(streams)
        records.swapAt(1, 3)
        let failure = try verify(records)
        #expect(failure?.position == GlobalPosition(2))
        #expect(failure?.problem == .positionMismatch(recorded: GlobalPosition(4)))
    }

    @Test("a rewritten event with a recomputed global chain but a stale stream link is found")
    func staleStreamLink() throws {
        // Rebuild the chain as if event 3 (stream a, version 2) named a wrong previous-in-stream hash.
        var records = try chain(streams)
        var previous = EventHash.zero
        for index in records.indices {
            var view = try records[index].withUnsafeBytes { try RecordView(bytes: $0, at: GlobalPosition(UInt64(index + 1))).decode() }
            if index == 2 {
                view = RecordedEvent(position: view.position, stream: view.stream, version: view.version, recorded: view.recorded,
                                     id: view.id, type: view.type, payload: view.payload, hash: view.hash, previousInStream: .zero)
            }
            let event = try ProposedEvent(id: view.id, type: view.type, payload: view.payload)
            records[index] = RecordLayout.encode(event, stream: view.stream, position: view.position, version: view.version,
                                                 recorded: view.recorded, previousInStream: view.previousInStream, previousHash: previous)
            previous = records[index].withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
        }
        let failure = try verify(records)
        #expect(failure == VerificationFailure(position: GlobalPosition(3), problem: .streamLinkMismatch))
    }
}
