/// An error of an event store, whatever its storage.
///
/// ```swift
/// do { try await store.append(events, to: stream, expected: .exact(v)) }
/// catch let error as EventStoreError where error.code == .wrongExpectedVersion {
///     print(error.expected!, error.actual!)
/// }
/// ```
public struct EventStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure. An open set: backends may add codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The stream was not at the expected version; see ``EventStoreError/expected`` and ``EventStoreError/actual``.
        public static let wrongExpectedVersion = Code("wrong expected version")
        /// An event with the same id but different content is already stored (or is in the same batch).
        public static let idConflict = Code("event id conflict")
        /// An event, stream id or type breaks the store's limits.
        public static let invalidEvent = Code("invalid event")
        /// A stored record cannot be decoded; see ``EventStoreError/position``.
        public static let corruptRecord = Code("corrupt record")
        /// The store's files are damaged or not a store at all (truncated, another format):
        /// found when it is opened; a failed verification, whatever the command.
        public static let corruptStore = Code("corrupt store")
        /// The disk (or a storage quota) is full; nothing of the failed append was stored.
        public static let storageFull = Code("storage full")
        /// The storage failed; see ``EventStoreError/underlying``.
        public static let storage = Code("storage failure")
        /// A replica import met an event whose seq, version or hash differs from what it carries.
        public static let replicaMismatch = Code("replica mismatch")
        /// The store is open read-only.
        public static let readOnly = Code("read-only store")
    }

    public let code: Code
    /// What happened, with identifiers (stream, event id, seq), never event content.
    public let message: String
    public let underlying: (any Error & Sendable)?
    public let stream: StreamID?
    public let expected: ExpectedVersion?
    public let actual: StreamVersion?
    public let position: GlobalPosition?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil, stream: StreamID? = nil,
                expected: ExpectedVersion? = nil, actual: StreamVersion? = nil, position: GlobalPosition? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.stream = stream
        self.expected = expected
        self.actual = actual
        self.position = position
    }

    public static func wrongExpectedVersion(_ stream: StreamID, expected: ExpectedVersion, actual: StreamVersion) -> EventStoreError {
        EventStoreError(.wrongExpectedVersion,
                        "stream \(stream): expected \(expected), but it is at version \(actual)",
                        stream: stream, expected: expected, actual: actual)
    }

    public var description: String {
        if let underlying { return "\(code): \(message) (\(underlying))" }
        return "\(code): \(message)"
    }
}
