/// An event to append: its idempotency key, its type's wire name and its payload.
///
/// The store treats the payload as opaque bytes; the domain gives it a canonical encoding
/// (the same event always encodes to the same bytes), because the hash chain covers it.
public struct ProposedEvent: Hashable, Sendable {
    public let id: EventID
    /// The event type's stable wire name, 1 to 255 bytes, e.g. `dossier.received.v1`.
    public let type: String
    public let payload: [UInt8]

    /// - Throws: ``EventStoreError`` `.invalidEvent` when the type is empty or longer than
    ///   255 bytes, or the payload exceeds ``RecordLayout/maximumPayload``.
    public init(id: EventID, type: String, payload: [UInt8]) throws(EventStoreError) {
        try RecordLayout.checkShortField(type, field: "type")
        guard payload.count <= RecordLayout.maximumPayload else {
            throw EventStoreError(.invalidEvent, "event \(id): payload of \(payload.count) bytes exceeds \(RecordLayout.maximumPayload)")
        }
        self.id = id
        self.type = type
        self.payload = payload
    }

    /// Calls `body` with the UTF-8 of the id and type, and the payload.
    public func withBytes<R>(_ body: (_ id: UnsafeRawBufferPointer, _ type: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var id = id.value, type = type
        return try id.withUTF8 { id in
            try type.withUTF8 { type in
                try payload.withUnsafeBytes { payload in try body(UnsafeRawBufferPointer(id), UnsafeRawBufferPointer(type), payload) }
            }
        }
    }
}

/// An event as the log holds it, with what the store assigned.
public struct RecordedEvent: Hashable, Sendable {
    /// The global sequence number (`seq`).
    public let position: GlobalPosition
    /// The stream (dossier) it belongs to.
    public let stream: StreamID
    /// Its version within the stream.
    public let version: StreamVersion
    /// When the store appended it. Never decreases along the log.
    public let recorded: RecordedTime
    public let id: EventID
    public let type: String
    public let payload: [UInt8]
    /// SHA-256 over the previous event's hash and this event's canonical encoding.
    public let hash: EventHash
    /// The hash of the previous event of the same stream (zero for version 1).
    public let previousInStream: EventHash

    public init(position: GlobalPosition, stream: StreamID, version: StreamVersion, recorded: RecordedTime,
                id: EventID, type: String, payload: [UInt8], hash: EventHash, previousInStream: EventHash) {
        self.position = position
        self.stream = stream
        self.version = version
        self.recorded = recorded
        self.id = id
        self.type = type
        self.payload = payload
        self.hash = hash
        self.previousInStream = previousInStream
    }
}

/// The version a writer expects a stream to be at (optimistic concurrency).
public enum ExpectedVersion: Hashable, Sendable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must have no events.
    case noStream
    /// The stream must have at least one event.
    case streamExists
    /// The stream must be exactly at this version (``StreamVersion/none`` means no events).
    case exact(StreamVersion)

    /// Whether a stream at `actual` satisfies this expectation.
    public func admits(_ actual: StreamVersion) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == .none
        case .streamExists: actual > .none
        case .exact(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exact(let version): "version \(version)"
        }
    }
}

/// Events to append to one stream, with the version the writer expects it at.
public struct StreamAppend: Hashable, Sendable {
    public let stream: StreamID
    public let expected: ExpectedVersion
    public let events: [ProposedEvent]

    public init(stream: StreamID, expected: ExpectedVersion = .any, events: [ProposedEvent]) {
        self.stream = stream
        self.expected = expected
        self.events = events
    }
}

/// What an append did.
public struct AppendResult: Hashable, Sendable {
    /// The positions of the events stored now (contiguous), or `nil` when every event was a duplicate.
    public let positions: ClosedRange<GlobalPosition>?
    /// Events skipped because an identical event with the same id was already stored.
    public let duplicates: Int
    /// Each touched stream's version after the append.
    public let streamVersions: [StreamID: StreamVersion]

    public init(positions: ClosedRange<GlobalPosition>?, duplicates: Int, streamVersions: [StreamID: StreamVersion]) {
        self.positions = positions
        self.duplicates = duplicates
        self.streamVersions = streamVersions
    }

    /// How many events were stored now.
    public var appended: Int {
        positions.map { Int($0.upperBound.rawValue - $0.lowerBound.rawValue + 1) } ?? 0
    }
}

/// The last event of the log: its position and hash.
public struct LogHead: Hashable, Sendable, CustomStringConvertible {
    public let position: GlobalPosition
    public let hash: EventHash
    public let recorded: RecordedTime

    public init(position: GlobalPosition, hash: EventHash, recorded: RecordedTime) {
        self.position = position
        self.hash = hash
        self.recorded = recorded
    }

    public var description: String { "seq \(position) hash \(hash.hex.prefix(16))" }
}

/// Which way to read a stream.
public enum ReadDirection: Sendable, Hashable {
    case forward, backward
}
