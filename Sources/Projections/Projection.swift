public import DossierDomain
public import EventLog
public import LedgerLMDB

/// A view kept by folding the log: a deterministic function of the events up to its checkpoint,
/// stored in its own LMDB environment with its checkpoint, written in the same transaction.
///
/// A projection never reads the log itself: the engine (``ProjectionEngine``) hands it the
/// dossier events in seq order, with the catalogs and calendar recorded before each one.
public protocol Projection: Sendable {
    /// Stable; names the projection's directory.
    static var name: String { get }
    /// Bumped whenever the code changes what the projection stores: a stored projection of
    /// another version is rebuilt.
    static var version: Int { get }
    /// The named databases it owns (the engine adds its own `meta`).
    static var databases: [Database.Specification] { get }

    /// Binds the projection to its opened databases, in the order of ``databases``.
    init(databases: [Database])

    /// Applies `events` (in seq order, all recorded after the checkpoint) inside `txn`.
    /// Must depend only on what is stored and on its arguments, so that applying the log in
    /// any batches gives the same bytes.
    func apply(_ events: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws
}

/// The projections every store keeps, in the order they are opened and rebuilt.
public let builtInProjections: [any Projection.Type] = [DossierProjection.self, ReceiptCounts.self]

/// A dossier event with its place in the log.
public struct ProjectedEvent: Sendable {
    public let position: GlobalPosition
    /// The event's version in its dossier: 1 for a dossier's first event.
    public let version: StreamVersion
    public let event: DossierEvent
    /// For a correction (`voided`): every event of its dossier before it, in order, so that a
    /// projection can fold the effective events that remain (events.md, "Corrections"). Nil
    /// for every other event.
    public let earlier: [DossierEvent]?

    public init(position: GlobalPosition, version: StreamVersion, event: DossierEvent, earlier: [DossierEvent]? = nil) {
        self.position = position
        self.version = version
        self.event = event
        self.earlier = earlier
    }

    /// The dossier's replay through this correction (nil for another event): its events
    /// before it, then the correction, each checked as a write path checks it.
    /// - Throws: ``EventRejection`` when the correction itself is refused.
    public func replayThrough(rules: DomainRules) throws(EventRejection) -> DossierReplay? {
        guard let earlier, event.type == .voided else { return nil }
        var replay = DossierReplay(dossier: event.dossier)
        for before in earlier { try? replay.apply(before, rules: rules) }  // refused ones are skipped, as when they came
        try replay.apply(event, rules: rules)
        return replay
    }
}

/// The last event a projection applied: nothing (`position` 0) or a seq and its hash.
public struct Checkpoint: Sendable, Hashable, CustomStringConvertible {
    public let position: GlobalPosition
    public let hash: EventHash

    public static let start = Checkpoint(position: GlobalPosition(0), hash: .zero)

    public init(position: GlobalPosition, hash: EventHash) {
        self.position = position
        self.hash = hash
    }

    public var description: String { "seq \(position) hash \(hash.hex.prefix(12))" }
}

/// What an answer was computed from: the projection, its code version and its checkpoint.
public struct Provenance: Sendable, Hashable, CustomStringConvertible {
    public let projection: String
    public let version: Int
    public let checkpoint: Checkpoint

    public init(projection: String, version: Int, checkpoint: Checkpoint) {
        self.projection = projection
        self.version = version
        self.checkpoint = checkpoint
    }

    public var description: String { "\(projection) v\(version) at \(checkpoint)" }
}

/// WorkProgress of a long operation: `done` of `total` events (total may grow while it runs).
public struct WorkProgress: Sendable, Hashable {
    public let done: Int
    public let total: Int

    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }
}

public struct ProjectionError: PhrasedError, Sendable, Hashable {
    public let phrase: Phrase
    public init(_ phrase: Phrase) { self.phrase = phrase }
}
