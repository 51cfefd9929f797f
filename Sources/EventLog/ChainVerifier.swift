/// Where and how the chain first fails.
public struct VerificationFailure: Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// The log has no event at this seq although later ones exist (an event was removed).
        case missing
        /// The record stored at this seq names another seq (events moved or swapped).
        case positionMismatch(recorded: GlobalPosition)
        /// The stored hash is not SHA-256 over the previous hash and this record.
        case hashMismatch
        /// The per-stream link does not name the hash of the stream's previous event.
        case streamLinkMismatch
        /// The stream's versions do not follow 1, 2, 3, …
        case versionMismatch(expected: StreamVersion, found: StreamVersion)
        /// The record cannot be decoded.
        case corrupt(String)
    }

    public let position: GlobalPosition
    public let problem: Problem

    public init(position: GlobalPosition, problem: Problem) {
        self.position = position
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: "seq \(position): missing (a later event exists)"
        case .positionMismatch(let recorded): "seq \(position): the record stored here says seq \(recorded)"
        case .hashMismatch: "seq \(position): stored hash differs from the recomputed one"
        case .streamLinkMismatch: "seq \(position): the link to the stream's previous event is wrong"
        case .versionMismatch(let expected, let found): "seq \(position): stream version \(found), expected \(expected)"
        case .corrupt(let why): "seq \(position): \(why)"
        }
    }
}

/// The outcome of ``EventReader/verify(_:)``.
public struct VerificationReport: Hashable, Sendable, CustomStringConvertible {
    /// Events checked before the first failure (all of them when intact).
    public let checked: Int
    /// The last event checked intact.
    public let head: LogHead?
    /// The first failure, or `nil` when everything checked is intact.
    public let failure: VerificationFailure?

    public init(checked: Int, head: LogHead?, failure: VerificationFailure?) {
        self.checked = checked
        self.head = head
        self.failure = failure
    }

    public var isIntact: Bool { failure == nil }

    public var description: String {
        if let failure { return "FAILED after \(checked) events: \(failure)" }
        guard let head else { return "OK: empty" }
        return "OK: \(checked) events, head seq \(head.position) hash \(head.hash.hex)"
    }
}

/// Recomputes the chain over records fed in seq order: the global link (SHA-256 over the previous
/// hash and the record), the per-stream link and version, and that seq has no gaps.
///
/// Storage-agnostic: a backend feeds it stored records, an export checker feeds it re-encoded
/// ones.
public struct ChainVerifier: Sendable {
    private var previousHash: EventHash
    private var expected: GlobalPosition
    private var streams: [String: (version: StreamVersion, hash: EventHash)] = [:]
    public private(set) var checked = 0
    public private(set) var head: LogHead?

    /// - Parameters:
    ///   - start: the first seq to check.
    ///   - previousHash: the hash of the event before `start` (zero when `start` is 1).
    public init(start: GlobalPosition, previousHash: EventHash) {
        self.previousHash = previousHash
        self.expected = start
    }

    /// Checks the record stored under `key`; returns the failure, or `nil` when it is intact.
    ///
    /// - Parameter streamLookup: the hash of a stream's event at a version before the range,
    ///   asked for streams first met in the range at a version above 1 (`nil`: no such event).
    public mutating func check(_ record: borrowing RecordView, storedAt key: GlobalPosition,
                               streamLookup: (String, StreamVersion) throws -> EventHash?) throws -> VerificationFailure? {
        guard key == expected else { return VerificationFailure(position: expected, problem: .missing) }
        guard record.position == key else {
            return VerificationFailure(position: key, problem: .positionMismatch(recorded: record.position))
        }
        let hash = record.hash
        guard record.expectedHash(after: previousHash) == hash else {
            return VerificationFailure(position: key, problem: .hashMismatch)
        }
        let stream = String(decoding: record.streamBytes, as: UTF8.self)
        let version = record.version
        let previous: (version: StreamVersion, hash: EventHash)
        if let known = streams[stream] {
            previous = known
        } else if version > StreamVersion(1), let hash = try streamLookup(stream, StreamVersion(version.rawValue - 1)) {
            previous = (StreamVersion(version.rawValue - 1), hash)
        } else {
            previous = (.none, .zero)
        }
        guard version == previous.version.next else {
            return VerificationFailure(position: key, problem: .versionMismatch(expected: previous.version.next, found: version))
        }
        guard record.previousInStream == previous.hash else {
            return VerificationFailure(position: key, problem: .streamLinkMismatch)
        }
        streams[stream] = (version, hash)
        previousHash = hash
        expected = key.next
        checked += 1
        head = LogHead(position: key, hash: hash, recorded: record.recorded)
        return nil
    }
}
