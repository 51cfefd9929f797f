/// What a bulk source may ask the store while it loads: the events already stored in a stream,
/// or the event stored under an id. Answers include what this load appended so far.
public enum BulkLookup: Sendable, Hashable {
    case stream(StreamID)
    case event(EventID)
}

public enum BulkLookupResult: Sendable, Hashable {
    case events([RecordedEvent])
    case event(RecordedEvent?)
}

/// Fields a replica import must reproduce exactly (integrity.md, "Replicas").
public struct ReplicaFields: Sendable, Hashable {
    public let position: GlobalPosition
    public let version: StreamVersion
    public let recorded: RecordedTime
    public let hash: EventHash

    public init(position: GlobalPosition, version: StreamVersion, recorded: RecordedTime, hash: EventHash) {
        self.position = position
        self.version = version
        self.recorded = recorded
        self.hash = hash
    }
}

/// One event of a bulk load.
public struct BulkEvent: Sendable, Hashable {
    public let stream: StreamID
    public let event: ProposedEvent
    /// For a replica import: what the store must assign (it checks, and uses `recorded`).
    public let replica: ReplicaFields?
    /// True only when the source asked ``BulkLookup/event(_:)`` for this id in the same call to
    /// ``BulkEventSource/next(_:)`` and was told nothing is stored: the store then skips
    /// looking again.
    public let isKnownNew: Bool

    public init(stream: StreamID, event: ProposedEvent, replica: ReplicaFields? = nil, isKnownNew: Bool = false) {
        self.stream = stream
        self.event = event
        self.replica = replica
        self.isKnownNew = isKnownNew
    }
}

/// A producer of events for a bulk load, pulled by the store inside its write transaction, so
/// that a validating importer can throw at any line and the whole load is abandoned, and can
/// ask the store what is stored already.
///
/// The store may pull a source more than once: it calls ``rewind()`` and starts again when the
/// load must be redone (the map had to grow).
public protocol BulkEventSource: Sendable {
    /// About how many bytes of events it holds, to size the map once (0: unknown).
    var estimatedBytes: Int { get }
    /// Goes back to the first event.
    mutating func rewind() throws
    /// The next event, or nil at the end. Throwing abandons the load: nothing is stored.
    mutating func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent?
    /// The store has written what it had collected of this load into its indexes: from now on a
    /// ``BulkLookup/stream(_:)`` lookup includes every event handed over so far, so a source
    /// may forget per-stream state it kept (and so keep its memory bounded).
    mutating func storeFlushed()
}

extension BulkEventSource {
    public mutating func storeFlushed() {}
}

/// A bulk source over an in-memory sequence of events (re-iterable).
public struct SequenceSource<S: Sequence & Sendable>: BulkEventSource
where S.Element == (StreamID, ProposedEvent), S.Iterator: Sendable {
    private let events: S
    private var iterator: S.Iterator

    public init(_ events: S) {
        self.events = events
        iterator = events.makeIterator()
    }

    public var estimatedBytes: Int { events.underestimatedCount * 250 }
    public mutating func rewind() { iterator = events.makeIterator() }
    public mutating func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) -> BulkEvent? {
        iterator.next().map { BulkEvent(stream: $0.0, event: $0.1) }
    }
}

/// A store that loads from a ``BulkEventSource`` in one atomic transaction.
public protocol BulkLoading: Sendable {
    func bulkLoad<Source: BulkEventSource>(from source: Source) async throws -> (result: AppendResult, source: Source)
}
