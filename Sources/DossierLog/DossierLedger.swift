public import DossierDomain
public import Foundation
public import EventLog
import Synchronization

/// The dossier log on an event store: catalogs recorded in the log, validated imports,
/// exports and replicas, case histories. Storage-agnostic: any ``EventStore`` that can
/// ``BulkLoading/bulkLoad(from:)``.
public final class DossierLedger: Sendable {
    public let store: any EventStore & BulkLoading
    /// Rule 6 (events.md): how far in the future an event may be dated, for every write but a replica.
    public let timeGuard: TimeGuard

    /// The rules as of the catalog stream's version (``rules(through:)``).
    private let recorded = Mutex<(StreamVersion, DomainRules)?>(nil)

    public init(store: any EventStore & BulkLoading, timeGuard: TimeGuard = .standard) {
        self.store = store
        self.timeGuard = timeGuard
    }

    /// The catalogs and calendar recorded in the log (the built-in calendar plus what operators
    /// added), as in force for any date; with `position`, only the entries recorded up to it
    /// (what a projection at that checkpoint has seen). Without a position they are kept and
    /// read again only when the catalog stream has grown (one short read: each append of the
    /// service needs them).
    public func rules(through position: GlobalPosition? = nil) async throws -> DomainRules {
        guard position == nil else { return try await readRules(through: position) }
        let last = try await store.lastVersion(of: StreamID(CatalogEntry.stream))
        if let (version, rules) = recorded.withLock({ $0 }), version == last { return rules }
        let rules = try await readRules(through: nil)
        recorded.withLock { $0 = (last, rules) }
        return rules
    }

    private func readRules(through position: GlobalPosition?) async throws -> DomainRules {
        var rules = DomainRules()
        let stream = try StreamID(CatalogEntry.stream)
        var next = StreamVersion(1)
        while true {
            let batch = try await store.read(stream: stream, from: next, direction: .forward, limit: 1024)
            for record in batch {
                if let position, record.position > position { return rules }
                guard case .catalog(let entry) = try Records.decode(record) else { continue }
                try entry.apply(to: &rules)
            }
            guard let last = batch.last else { return rules }
            next = last.version.next
        }
    }

    /// Records catalog entries in the log, atomically. Entries recorded already with the same
    /// content are counted as duplicates.
    /// - Throws: ``CatalogError`` when an entry clashes with what is recorded (an entry never
    ///   changes: a new version gets a new `valid_from`).
    @discardableResult
    public func record(_ entries: [CatalogEntry]) async throws -> ImportSummary {
        var rules = try await rules()
        for entry in entries { try entry.apply(to: &rules) }  // refuses overlapping versions
        // Each entry to its stream (the catalog's; the access entries' own), in one atomic batch.
        let proposed = try entries.map(Records.proposed)
        let streams = proposed.reduce(into: [StreamID]()) { if !$0.contains($1.0) { $0.append($1.0) } }
        let batch = streams.map { stream in StreamAppend(stream: stream, events: proposed.filter { $0.0 == stream }.map(\.1)) }
        let result: AppendResult
        do {
            result = try await store.append(batch)
        } catch let error as EventStoreError where error.code == .idConflict {
            throw CatalogError("\(error.message): a catalog entry never changes; record a new version with a new valid_from")
        }
        return ImportSummary(lines: entries.count, appended: result.appended, duplicates: result.duplicates,
                             catalogEntries: result.appended, positions: result.positions)
    }

    /// Appends one event after checking it as an import would (events.md rules 1–7: the time
    /// guard, catalogs, the dossier's lifecycle from its stored effective events, the rules of
    /// corrections), with the dossier's current version as the expected version, so a
    /// concurrent append to the same dossier is refused rather than slipping in between the
    /// check and the write.
    ///
    /// With `expected`, the dossier must be at that version (0: not yet stored) first.
    ///
    /// - Throws: ``EventRejection`` for an event that breaks a rule; ``EventStoreError``
    ///   `.wrongExpectedVersion` when the dossier is not at `expected`, or changed meanwhile (check again and retry),
    ///   `.idConflict` for an id stored with other content.
    @discardableResult
    public func append(_ event: DossierEvent, rules: DomainRules? = nil, expected: StreamVersion? = nil) async throws -> AppendResult {
        try await append(batch: [event], rules: rules, expected: expected.map { [event.dossier: $0] } ?? [:])
    }

    /// Appends events whose lifecycle the caller checked against each dossier's state at
    /// `expected` (the sweep's `deadline_missed`), in one atomic batch: the time guard and the
    /// catalogs are checked here, and each dossier must still be at its expected version (a
    /// concurrent append refuses the whole batch; check again and retry).
    ///
    /// - Throws: ``EventRejection`` for an event that breaks rule 5 or 6; ``EventStoreError``
    ///   `.wrongExpectedVersion` when a dossier moved meanwhile.
    @discardableResult
    public func append(checked events: [(DossierEvent, expected: StreamVersion)], rules: DomainRules) async throws -> AppendResult {
        let batch = try events.map { event, version in
            try timeGuard.check(event)
            try CatalogChecks.check(event, against: rules.catalog)
            let (stream, proposed) = try Records.proposed(event)
            return StreamAppend(stream: stream, expected: .exact(version), events: [proposed])
        }
        return try await store.append(batch)
    }

    /// The replay of a stored dossier (its effective events folded) and its version. Events the
    /// fold refuses (appended past the domain's checks) are skipped, as projections skip them.
    func storedReplay(of stream: StreamID, rules: DomainRules) async throws -> (DossierReplay, StreamVersion) {
        var replay = DossierReplay(dossier: stream.name)
        var version = StreamVersion.none
        var next = StreamVersion(1)
        while true {
            let batch = try await store.read(stream: stream, from: next, direction: .forward, limit: 1024)
            for record in batch {
                if case .dossier(let stored) = try Records.decode(record) { try? replay.apply(stored, rules: rules) }
                version = record.version
            }
            guard let last = batch.last else { return (replay, version) }
            next = last.version.next
        }
    }

    /// Imports a JSON Lines file of events (and, from an export, catalog entries): every line
    /// checked against events.md, in one transaction.
    ///
    /// - Parameters:
    ///   - mode: ``ImportMode/atomic`` (one bad line and nothing is stored) or
    ///     ``ImportMode/keepValid(rejectsPath:)``.
    ///   - replica: reproduce every seq, version, recorded time and hash of an export; the store
    ///     must be empty.
    /// - Throws: ``EventRejection`` naming the line, id, field and rule (atomic mode);
    ///   ``ImportError`` for an unreadable file or a replica into a non-empty store;
    ///   ``EventStoreError`` from the store (`.replicaMismatch` when an export's hash is not
    ///   reproduced).
    ///   - progress: called with the number of lines read so far, now and then (the store may
    ///     read the file twice).
    public func importEvents(path: String, mode: ImportMode = .atomic, replica: Bool = false,
                             progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> ImportSummary {
        if replica, let head = try await store.head() {
            throw ImportError("a replica import needs an empty store; this one holds \(head.position) events")
        }
        let source = try JSONLinesImport(path: path, mode: mode, replica: replica, rules: try await rules(), timeGuard: timeGuard,
                                         progress: progress)
        let (result, used) = try await store.bulkLoad(from: source)
        used.closeRejects()
        var summary = used.summary
        summary.positions = result.positions
        return summary
    }
}

extension DossierLedger {
    /// Imports JSON Lines read from `handle` (standard input, a pipe). The store may have to
    /// read the lines more than once, so they are first copied, 1 MiB at a time, to a temporary
    /// file in `temporaryDirectory`, which is removed afterwards.
    public func importEvents(reading handle: FileHandle, mode: ImportMode = .atomic, replica: Bool = false,
                             temporaryDirectory: String = FileManager.default.temporaryDirectory.path) async throws -> ImportSummary {
        let path = temporaryDirectory + "/dossier-import-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let spool = FileHandle(forWritingAtPath: path) else {
            throw ImportError("cannot create a temporary file in \(temporaryDirectory) to hold standard input")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try spool.write(contentsOf: chunk) }
            try spool.close()
        } catch {
            throw ImportError("cannot copy standard input to \(path): \(error.localizedDescription)")
        }
        return try await importEvents(path: path, mode: mode, replica: replica)
    }
}
