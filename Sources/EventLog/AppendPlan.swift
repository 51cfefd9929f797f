/// The checks of one append batch (``EventWriter/append(_:)``'s rules), made before anything is
/// written, for a backend that can say what it holds: idempotent repeats, ids repeated in the
/// batch or stored with other content, and each stream's expected version. What remains is
/// ``events``, in order, to write after the streams' heads.
public struct AppendPlan: Sendable {
    /// The events to write, in the batch's order.
    public private(set) var events: [(stream: StreamID, event: ProposedEvent)] = []
    public private(set) var duplicates = 0
    /// Every stream's version after the batch.
    public private(set) var versions: [StreamID: StreamVersion] = [:]

    /// Checks `batch` against the store: `version` gives a stream's stored version (`.none`
    /// for a new stream), `stored` the event stored under an id (nil: none).
    /// - Throws: ``EventStoreError`` `.idConflict` or `.wrongExpectedVersion`.
    public init(_ batch: [StreamAppend], version: (StreamID) throws -> StreamVersion,
                stored: (EventID) throws -> RecordedEvent?) throws {
        var seen: [EventID: (StreamID, ProposedEvent)] = [:]
        for append in batch {
            let before = try versions[append.stream] ?? version(append.stream)
            var fresh: UInt64 = 0
            for event in append.events {
                if let prior = seen[event.id] {
                    guard prior.0 == append.stream && prior.1 == event else {
                        throw EventStoreError(.idConflict, "event \(event.id) appears twice in one batch with different content", stream: append.stream)
                    }
                    duplicates += 1
                    continue
                }
                if let record = try stored(event.id) {
                    try Self.checkDuplicate(event, in: append.stream, stored: record)
                    duplicates += 1
                    continue
                }
                seen[event.id] = (append.stream, event)
                events.append((append.stream, event))
                fresh += 1
            }
            if fresh > 0, !append.expected.admits(before) {
                throw EventStoreError.wrongExpectedVersion(append.stream, expected: append.expected, actual: before)
            }
            versions[append.stream] = StreamVersion(before.rawValue + fresh)
        }
    }

    /// Throws `.idConflict` unless `stored` (under `event`'s id) has `event`'s stream, type and payload.
    public static func checkDuplicate(_ event: ProposedEvent, in stream: StreamID, stored: RecordedEvent) throws {
        guard stored.stream == stream && stored.type == event.type && stored.payload == event.payload else {
            throw EventStoreError(.idConflict, "event \(event.id) is already stored (seq \(stored.position)) with other content", stream: stream)
        }
    }
}

/// Extends the log's chain by one record at a time, in memory: the next seq, the stream's next
/// version, a recording time that never decreases, both hash links; and, for a replica, the
/// check that the export's fields are reproduced. For backends that build records before
/// storing them (in memory, PostgreSQL).
public struct ChainExtender: Sendable {
    public private(set) var head: LogHead?
    private let clock: @Sendable () -> RecordedTime

    public init(head: LogHead?, clock: @escaping @Sendable () -> RecordedTime) {
        self.head = head
        self.clock = clock
    }

    /// The record of `event`, the next after the log's head and `stream`'s head (its version and
    /// hash: `.none` and zero for a new stream). Returns the record's bytes and its position.
    /// - Throws: `.replicaMismatch` when `replica`'s seq, version, recorded time or hash differ.
    public mutating func record(_ event: ProposedEvent, to stream: StreamID, after streamHead: (version: StreamVersion, hash: EventHash),
                                replica: ReplicaFields? = nil) throws -> (position: GlobalPosition, record: [UInt8]) {
        let position = GlobalPosition((head?.position.rawValue ?? 0) + 1)
        let version = streamHead.version.next
        let now = replica?.recorded ?? clock()
        let recorded = head.map { max($0.recorded, now) } ?? now  // never decreases along the log
        let record = RecordLayout.encode(event, stream: stream, position: position, version: version, recorded: recorded,
                                         previousInStream: streamHead.hash, previousHash: head?.hash ?? .zero)
        let hash = record.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
        if let replica, replica.position != position || replica.version != version || replica.hash != hash || replica.recorded != recorded {
            throw EventStoreError(.replicaMismatch, "event \(event.id): the export says seq \(replica.position), version \(replica.version), "
                                  + "hash \(replica.hash.hex.prefix(16)); the replica gives seq \(position), version \(version), hash \(hash.hex.prefix(16))",
                                  stream: stream, position: position)
        }
        head = LogHead(position: position, hash: hash, recorded: recorded)
        return (position, record)
    }
}
