/// Reads the log. Implementations are safe to call from any task; reads never block writers.
public protocol EventReader: Sendable {
    /// The last event's position, hash and recording time, or `nil` for an empty log.
    func head() async throws -> LogHead?

    /// Up to `limit` events of `stream`, starting at `version` (inclusive) and going `direction`.
    /// An unknown stream gives an empty array.
    func read(stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent]

    /// Up to `limit` events of the whole log from `position` (inclusive), in seq order.
    func readAll(from position: GlobalPosition, limit: Int) async throws -> [RecordedEvent]

    /// Folds the records in `range` (those stored) into `initial`, in seq order, each borrowed in
    /// place for the call: the fastest way through the log, with no copy of a record. One read of
    /// one consistent state of the log; `body` runs on a thread of the store's, so it should
    /// compute, not wait.
    /// - Throws: ``EventStoreError`` `.corruptRecord` when a record cannot be framed; what `body` throws.
    func reduceRecords<Value: Sendable>(in range: ClosedRange<GlobalPosition>, into initial: Value,
                                         _ body: @escaping @Sendable (inout Value, borrowing RecordView) throws -> Void) async throws -> Value

    /// The event stored under `id`, or `nil`.
    func event(id: EventID) async throws -> RecordedEvent?

    /// The position of the first event recorded at or after `time`, or `nil` when there is none.
    /// Recording times never decrease along the log, so this is a binary search.
    func firstPosition(recordedAtOrAfter time: RecordedTime) async throws -> GlobalPosition?

    /// Recomputes both hash links of every event in `range` (the whole log when `nil`), calling
    /// `progress` now and then with the number of events checked.
    func verify(_ range: ClosedRange<GlobalPosition>?, progress: @escaping @Sendable (Int) -> Void) async throws -> VerificationReport

    /// How much the store holds.
    func statistics() async throws -> StoreStatistics

    /// The log's Merkle tree: the stored complete-subtree hashes at `indexes`
    /// (``MerkleTree/storedIndex(level:index:)``), for trees up to the head.
    func treeHashes(_ indexes: [UInt64]) async throws -> [EventHash]

    /// Returns once an event at `position` may be stored, or after `interval` at the latest: how
    /// a caught-up subscription waits. A store that cannot tell sleeps `interval` (the default);
    /// one that hears of appends (PostgreSQL's LISTEN) returns when it does.
    /// - Throws: `CancellationError` when the task is cancelled.
    func waitForEvent(at position: GlobalPosition, atMost interval: Duration) async throws
}

extension EventReader {
    /// The version of `stream`'s last event (`.none` for a stream with none): one short read,
    /// enough to tell whether what was derived from the stream is still current.
    public func lastVersion(of stream: StreamID) async throws -> StreamVersion {
        try await read(stream: stream, from: StreamVersion(UInt64.max), direction: .backward, limit: 1).first?.version ?? .none
    }

    public func waitForEvent(at position: GlobalPosition, atMost interval: Duration) async throws {
        try await Task.sleep(for: interval)
    }

    /// ``verify(_:progress:)`` without progress.
    public func verify(_ range: ClosedRange<GlobalPosition>?) async throws -> VerificationReport {
        try await verify(range, progress: { _ in })
    }
}

/// A store that writes a consistent copy of itself while appends and reads go on (a hot
/// backup), in a form that opens as a store of the same backend.
public protocol HotCopying: Sendable {
    /// Copies the store into `directory` (existing and empty) and verifies the copy.
    func backup(to directory: String) async throws -> VerificationReport
}

/// What a store holds, in terms every backend has.
public struct StoreStatistics: Sendable, Hashable {
    public let events: UInt64
    /// Streams: the dossiers, and the catalog's system stream.
    public let streams: UInt64
    /// Bytes the store occupies (log and indexes).
    public let bytes: Int

    public init(events: UInt64, streams: UInt64, bytes: Int) {
        self.events = events
        self.streams = streams
        self.bytes = bytes
    }
}

/// Appends to the log.
public protocol EventWriter: Sendable {
    /// Appends every stream's events atomically: all are stored, or none.
    ///
    /// Events whose id is already stored with identical content (stream, type, payload) are
    /// skipped and counted as duplicates, whatever the expected version; when every event of a
    /// stream is a duplicate, its expected version is not checked (an idempotent repeat).
    /// Otherwise each stream's expected version is checked against its version before the batch.
    ///
    /// Returns once the events are durable.
    /// - Throws: ``EventStoreError`` `.wrongExpectedVersion` (with `expected` and `actual`),
    ///   `.idConflict` for an id stored (or repeated in the batch) with other content,
    ///   `.storageFull` when the disk is full, `.storage` for other storage failures,
    ///   `.readOnly` on a read-only store. Nothing is stored when it throws.
    func append(_ batch: [StreamAppend]) async throws -> AppendResult
}

/// A store that reads and appends.
public typealias EventStore = EventReader & EventWriter

extension EventWriter {
    /// Appends `events` to one stream atomically; see ``append(_:)``.
    public func append(_ events: [ProposedEvent], to stream: StreamID, expected: ExpectedVersion = .any) async throws -> AppendResult {
        try await append([StreamAppend(stream: stream, expected: expected, events: events)])
    }
}

extension EventReader {
    /// Events recorded in `range`, in seq order, up to `limit`.
    public func readAll(recordedIn range: Range<RecordedTime>, limit: Int) async throws -> [RecordedEvent] {
        guard let start = try await firstPosition(recordedAtOrAfter: range.lowerBound) else { return [] }
        var result: [RecordedEvent] = []
        var next = start
        while result.count < limit {
            let batch = try await readAll(from: next, limit: min(1024, limit - result.count))
            for event in batch {
                guard event.recorded < range.upperBound else { return result }
                result.append(event)
            }
            guard let last = batch.last else { return result }
            next = last.position.next
        }
        return result
    }

    /// Every event from `position`, then every event appended later (by this process or
    /// another), each exactly once and in seq order. See ``EventSubscription``.
    public func subscribe(from position: GlobalPosition, pollInterval: Duration = .milliseconds(10)) -> EventSubscription {
        EventSubscription(reader: self, start: position, pollInterval: pollInterval)
    }
}
