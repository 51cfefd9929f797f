import Dispatch
import EventLog
public import LedgerLMDB
import DossierDomain

/// One generation of a projection on disk: its environment, its databases and its `meta`
/// database (checkpoint and code version, written in the same transaction as the state).
public final class StoredProjection<P: Projection>: ProjectionSink {
    public let environment: Environment
    public let projection: P
    /// The directory of this generation.
    public let path: String
    let meta: Database


    /// Binds `P` to the generation whose environment is open at `path` (creating its databases
    /// unless the environment is read-only).
    @available(*, noasync, message: "LMDB transactions are thread-bound")
    init(environment: Environment, path: String) throws {
        self.environment = environment
        self.path = path
        let databases = try environment.openDatabases([Database.Specification("meta")] + P.databases)
        meta = databases[0]
        projection = P(databases: Array(databases.dropFirst()))
    }

    /// The checkpoint and the code version it was built with (nil: never written).
    public func status(_ txn: borrowing Transaction<some TransactionAccess>) throws -> (checkpoint: Checkpoint, version: Int?) {
        try Meta.status(txn, meta: meta, path: path)
    }

    /// The provenance of what a read transaction sees.
    public func provenance(_ txn: borrowing Transaction<some TransactionAccess>) throws -> Provenance {
        let (checkpoint, version) = try status(txn)
        return Provenance(projection: P.name, version: version ?? P.version, checkpoint: checkpoint)
    }

    /// Reads in one consistent snapshot.
    @available(*, noasync, message: "LMDB transactions are thread-bound")
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        try environment.read(body)
    }

    /// Reads in one consistent snapshot on a thread of the global pool, never blocking the
    /// caller's task: the policy of the store's own reads, for async code.
    func reading<R: Sendable>(_ body: @escaping @Sendable (borrowing ReadTransaction) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.environment.read(body) }) }
        }
    }

    /// The checkpoint stored now, read without blocking the caller's task.
    public func currentCheckpoint() async throws -> Checkpoint {
        try await loadStatus().checkpoint
    }

    /// The checkpoint and code version stored now (see ``status(_:)``). Blocks for one read.
    public func currentStatus() throws -> (checkpoint: Checkpoint, version: Int?) {
        try environment.read { try status($0) }
    }

    /// Applies `segments` and moves the checkpoint from `expected` to `next`, in one transaction.
    /// Returns false (and writes nothing) when the stored checkpoint is not `expected`: another
    /// process applied these events first. Blocks for the write.
    func commit(_ segments: [Segment], after expected: Checkpoint, next: Checkpoint) throws -> Bool {
        try environment.write { txn in
            guard try status(txn).checkpoint == expected else { return false }
            for segment in segments where !segment.events.isEmpty {
                try projection.apply(segment.events, rules: segment.rules, in: txn)
            }
            var value = BigEndian.bytes(next.position.rawValue)
            value += next.hash.bytes
            try txn.put(value, forKey: Meta.checkpointKey, in: meta)
            try txn.put(BigEndian.bytes(UInt64(P.version)), forKey: Meta.versionKey, in: meta)
            return true
        }
    }
}

/// Events that share the catalogs and calendar in force.
struct Segment: Sendable {
    let rules: DomainRules
    var events: [ProjectedEvent]
}

/// The `meta` database of a generation: `checkpoint` (seq, 8 bytes; hash, 32) and `version`
/// (the projection's code version, 8 bytes), both big-endian.
enum Meta {
    static let checkpointKey = Array("checkpoint".utf8)
    static let versionKey = Array("version".utf8)

    static func status(_ txn: borrowing Transaction<some TransactionAccess>, meta: Database, path: String) throws -> (checkpoint: Checkpoint, version: Int?) {
        let checkpoint = try checkpointKey.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: meta) { value -> Checkpoint in
                guard value.count == 40, let seq = BigEndian.load(UInt64.self, from: value, at: 0) else {
                    throw ProjectionError("checkpoint of \(value.count) bytes in \(path); rebuild the projection")
                }
                return Checkpoint(position: GlobalPosition(seq), hash: EventHash(bytes: value, at: 8))
            }
        } ?? .start
        let version = try versionKey.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: meta) { value -> Int in
                guard let version = BigEndian.load(UInt64.self, from: value, at: 0) else {
                    throw ProjectionError("version of \(value.count) bytes in \(path); rebuild the projection")
                }
                return Int(version)
            }
        }
        return (checkpoint, version)
    }
}

/// A generation of any projection, as the engine feeds it.
/// Projections' writes run on one serial queue of their own, never on the caller's task (the
/// store's policy for its own writes); LMDB lets one transaction write at a time anyway.
private let projectionWriters = DispatchQueue(label: "dossierledger.projections.writer")

extension ProjectionSink {
    /// ``commit(_:after:next:)`` on the projections' writer queue.
    func write(_ segments: [Segment], after expected: Checkpoint, next: Checkpoint) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            projectionWriters.async { continuation.resume(with: Result { try self.commit(segments, after: expected, next: next) }) }
        }
    }

    /// ``currentStatus()`` read on a thread of the global pool.
    func loadStatus() async throws -> (checkpoint: Checkpoint, version: Int?) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.currentStatus() }) }
        }
    }
}

protocol ProjectionSink: Sendable {
    var environment: Environment { get }
    var path: String { get }
    func currentStatus() throws -> (checkpoint: Checkpoint, version: Int?)
    func commit(_ segments: [Segment], after expected: Checkpoint, next: Checkpoint) throws -> Bool
}
