public import DossierLog
import EventLog
import DossierDomain
import Foundation
import Glibc
import Synchronization
import LedgerLMDB

/// Keeps projections next to a store: `<store>/projections/<name>` is a symbolic link to the
/// current generation `<name>@<stamp>`, a directory holding one LMDB environment.
///
/// - Catch-up applies what was appended since a generation's checkpoint, in batches, each batch
///   and its checkpoint in one write transaction (a crash loses at most a batch of work, never
///   consistency).
/// - Rebuild folds the log from seq 1 into a new generation while readers keep using the
///   current one, then swaps the link (`rename(2)` is atomic) and removes the old generation.
///   A crash mid-rebuild leaves an unlinked generation that the next rebuild removes.
/// - A generation built by another code version is rebuilt when opened (not in read-only mode).
public final class ProjectionEngine: Sendable {
    public let ledger: DossierLedger
    /// `<store>/projections`.
    public let root: String
    public let readOnly: Bool
    /// Environments of generations opened by any engine of this process, by path: LMDB allows
    /// one environment per file per process, and two engines (or two code versions of a
    /// projection) may look at the same generation.
    private static let opened = Mutex<[String: Environment]>([:])

    /// Events read from the log per transaction while catching up, and while rebuilding.
    static let catchUpBatch = 4096
    static let rebuildBatch = 524_288

    public init(storePath: String, ledger: DossierLedger, readOnly: Bool = false) throws {
        self.ledger = ledger
        self.root = storePath + "/projections"
        self.readOnly = readOnly
        if !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            } catch {
                throw ProjectionError("cannot create \(root): \(error.localizedDescription)")
            }
        }
    }

    private func link(_ name: String) -> String { root + "/" + name }

    /// The current generation's directory name, if any.
    private func currentGeneration(of name: String) throws -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(link(name), &buffer, buffer.count - 1)
        if count < 0 {
            if errno == ENOENT { return nil }
            throw ProjectionError("cannot read the link \(link(name)): \(String(cString: strerror(errno)))")
        }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens `P`'s current generation and catches it up; builds it first when there is none or
    /// it was built by another code version.
    /// - Throws: ``ProjectionError`` in read-only mode when it is missing or out of date.
    public func open<P: Projection>(_ type: P.Type, progress: @Sendable (WorkProgress) -> Void = { _ in }) async throws -> StoredProjection<P> {
        if let generation = try currentGeneration(of: P.name) {
            let path = root + "/" + generation
            let version: Int?
            do {
                version = try storedStatus(at: path)?.version
            } catch {
                throw ProjectionError("cannot open projection \(P.name) at \(path): \(error)")
            }
            if version == P.version {
                let stored = try openGeneration(P.self, path: path)
                if !readOnly { _ = try await catchUp(stored, progress: progress) }
                return stored
            }
            guard !readOnly else {
                throw ProjectionError("projection \(P.name) was built by version \(version.map(String.init) ?? "?") of its code, this is version \(P.version); run `dossier rebuild` on a writable store")
            }
        } else if readOnly {
            throw ProjectionError("projection \(P.name) has not been built; run `dossier rebuild` on a writable store")
        }
        return try await rebuild(P.self, progress: progress)
    }

    private func openGeneration<P: Projection>(_: P.Type, path: String, bulk: Bool = false) throws -> StoredProjection<P> {
        do {
            return try StoredProjection<P>(environment: environment(at: path, bulk: bulk), path: path)
        } catch {
            throw ProjectionError("cannot open projection \(P.name) at \(path): \(error)")
        }
    }

    private func environment(at path: String, bulk: Bool = false) throws -> Environment {
        try Self.opened.withLock { opened in
            if let environment = opened[path] { return environment }
            let environment = try Self.openEnvironment(path: path, readOnly: readOnly, bulk: bulk)
            opened[path] = environment
            return environment
        }
    }

    /// Opens the environment of a generation: read-only, or writable (`bulk`: a large map and no
    /// sync per commit, for a rebuild that syncs once at its end).
    @available(*, noasync, message: "LMDB transactions are thread-bound")
    private static func openEnvironment(path: String, readOnly: Bool, bulk: Bool) throws -> Environment {
        var options: Environment.Options = []
        if readOnly { options.insert(.readOnly) }
        let environment = try Environment(path: path, configuration: .init(
            mapSize: bulk ? 1 << 30 : 64 << 20, maxDatabases: 16, options: options))
        if bulk { try environment.setSyncAfterCommit(false) }
        if !readOnly { _ = try environment.clearStaleReaders() }
        return environment
    }

    /// The code version a generation was built by, and its checkpoint, read from its `meta`
    /// database alone (nil: nothing committed yet).
    private func storedStatus(at path: String) throws -> (version: Int?, checkpoint: Checkpoint)? {
        let environment = try environment(at: path)
        guard let meta = try metaDatabase(of: environment) else { return nil }
        let (checkpoint, version) = try environment.read { txn in try Meta.status(txn, meta: meta, path: path) }
        return (version, checkpoint)
    }

    /// The `meta` database, or nil when a read-only generation never got one.
    private func metaDatabase(of environment: Environment) throws -> Database? {
        do {
            return try environment.openDatabases([Database.Specification("meta", options: readOnly ? [] : .create)]).first
        } catch where error.code == .notFound {
            return nil
        }
    }

    /// The code version and checkpoint of projection `name`'s current generation; nil when it
    /// has not been built.
    public func status(of name: String) throws -> (version: Int?, checkpoint: Checkpoint)? {
        guard let generation = try currentGeneration(of: name) else { return nil }
        return try storedStatus(at: root + "/" + generation)
    }

    private func remove(generation: String) throws {
        let path = root + "/" + generation
        Self.opened.withLock { _ = $0.removeValue(forKey: path) }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ProjectionError("cannot remove the old projection generation \(path): \(error.localizedDescription)")
        }
    }

    /// Applies every event appended since the checkpoint; returns the new checkpoint.
    @discardableResult
    public func catchUp<P>(_ stored: StoredProjection<P>, progress: @Sendable (WorkProgress) -> Void = { _ in }) async throws -> Checkpoint {
        try await feed([stored], batch: Self.catchUpBatch, progress: progress)
    }

    /// Keeps `stored` current while the task runs: whenever the log's head moves past the
    /// checkpoint (checked every `pollInterval`, so appends of other processes count too), one
    /// catch-up applies the new events in batches; the events are read once, by the catch-up.
    /// Returns when the task is cancelled.
    public func follow<P>(_ stored: StoredProjection<P>, pollInterval: Duration = .milliseconds(100)) async throws {
        var seen = try await stored.loadStatus().checkpoint.position
        while true {
            if let head = try await ledger.store.head()?.position, head > seen { seen = try await catchUp(stored).position }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Folds the whole log into a new generation of `P`, then makes it the current one.
    public func rebuild<P: Projection>(_: P.Type, progress: @Sendable (WorkProgress) -> Void = { _ in }) async throws -> StoredProjection<P> {
        try await rebuild([P.self], progress: progress)
        guard let generation = try currentGeneration(of: P.name) else { throw ProjectionError("projection \(P.name) vanished after its rebuild") }
        return try openGeneration(P.self, path: root + "/" + generation)
    }

    /// Folds the whole log, read once, into a new generation of each of `types`, then makes
    /// each the current one (one atomic swap per projection).
    public func rebuild(_ types: [any Projection.Type], progress: @Sendable (WorkProgress) -> Void = { _ in }) async throws {
        guard !readOnly else { throw ProjectionError("cannot rebuild: the store is open read-only") }
        let names = types.map { $0.name }
        let locks = try names.sorted().map { try RebuildLock(path: root + "/\($0).lock") }
        defer { locks.forEach { $0.release() } }
        let stamp = "\(Int64(Date().timeIntervalSince1970 * 1_000_000))-\(getpid())"
        var building: [any ProjectionSink] = []
        for type in types {
            try removeStaleGenerations(of: type.name)
            building.append(try openBuilding(type, generation: "\(type.name)@\(stamp)"))
        }
        try await feed(building, batch: Self.rebuildBatch, progress: progress)
        for (name, sink) in zip(names, building) {
            do {
                try sink.environment.sync()
                try sink.environment.setSyncAfterCommit(true)
            } catch {
                throw ProjectionError("cannot sync the rebuilt projection \(name) at \(sink.path): \(error)")
            }
            let old = try currentGeneration(of: name)
            try swapLink(name, to: "\(name)@\(stamp)")
            if let old { try remove(generation: old) }
        }
        // Events appended during the swap.
        for sink in building { try await feed([sink], batch: Self.catchUpBatch, progress: { _ in }) }
    }

    private func openBuilding<P: Projection>(_: P.Type, generation: String) throws -> any ProjectionSink {
        try openGeneration(P.self, path: root + "/" + generation, bulk: true)
    }

    /// Points `<root>/<name>` at `generation` atomically: a new link beside it, renamed over it.
    private func swapLink(_ name: String, to generation: String) throws {
        let temporary = link(name) + ".new-\(getpid())"
        unlink(temporary)
        guard symlink(generation, temporary) == 0, rename(temporary, link(name)) == 0 else {
            throw ProjectionError("cannot switch projection \(name) to \(generation) in \(root): \(String(cString: strerror(errno)))")
        }
        let directory = Glibc.open(root, O_RDONLY | O_DIRECTORY)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    /// Removes generations of `name` that the link does not point at (left by a crashed rebuild).
    private func removeStaleGenerations(of name: String) throws {
        let current = try currentGeneration(of: name)
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: root)
        } catch {
            throw ProjectionError("cannot list \(root): \(error.localizedDescription)")
        }
        for entry in entries where entry.hasPrefix(name + "@") && entry != current {
            try remove(generation: entry)
        }
    }

    /// Reads the log after the checkpoint of `sinks` (all at the same one) in batches and commits
    /// each batch to each sink with its new checkpoint; the next batch is read and decoded on
    /// another thread while this one commits. When another process moved a checkpoint meanwhile,
    /// starts again from the stored one.
    @discardableResult
    private func feed(_ sinks: [any ProjectionSink], batch: Int, progress: @Sendable (WorkProgress) -> Void) async throws -> Checkpoint {
        guard let first = sinks.first else { return .start }
        var checkpoint = try await first.loadStatus().checkpoint
        let start = checkpoint.position.rawValue
        var total = Int((try await ledger.store.head()?.position.rawValue ?? start) - start)
        let ledger = self.ledger
        let from = checkpoint
        var loading = Task { try await Batch.load(ledger, after: from, rules: try await ledger.rules(through: from.position), limit: batch) }
        defer { loading.cancel() }
        while true {
            let current = try await loading.value
            guard let next = current.last else { return checkpoint }
            let rules = current.rulesAfter
            loading = Task { try await Batch.load(ledger, after: next, rules: rules, limit: batch) }
            var applied = true
            for sink in sinks where try await !sink.write(current.segments, after: checkpoint, next: next) { applied = false }
            if applied {
                checkpoint = next
            } else {
                loading.cancel()
                checkpoint = try await first.loadStatus().checkpoint
                guard sinks.count == 1 else { throw ProjectionError("another process changed projections being rebuilt; run the rebuild again") }
                let restart = checkpoint
                loading = Task { try await Batch.load(ledger, after: restart, rules: try await ledger.rules(through: restart.position), limit: batch) }
            }
            let done = Int(checkpoint.position.rawValue - start)
            total = max(total, done)
            progress(WorkProgress(done: done, total: total))
        }
    }
}

/// Decoded events of the log after a checkpoint, split where catalog entries change the rules.
private struct Batch: Sendable {
    let segments: [Segment]
    /// The checkpoint after the batch; nil when the log has nothing after it.
    let last: Checkpoint?
    let rulesAfter: DomainRules

    static func load(_ ledger: DossierLedger, after checkpoint: Checkpoint, rules: DomainRules, limit: Int) async throws -> Batch {
        let records = try await ledger.store.readAll(from: checkpoint.position.next, limit: limit)
        guard let last = records.last else { return Batch(segments: [], last: nil, rulesAfter: rules) }
        var rules = rules
        var segments: [Segment] = []
        var events: [ProjectedEvent] = []
        events.reserveCapacity(records.count)
        var corrections: [(segment: Int, index: Int)] = []
        for record in records {
            switch try Records.decode(record) {
            case .dossier(let event):
                if event.type == .voided { corrections.append((segments.count, events.count)) }
                events.append(ProjectedEvent(position: record.position, version: record.version, event: event))
            case .catalog(let entry):
                segments.append(Segment(rules: rules, events: events))
                events = []
                try entry.apply(to: &rules)
            }
        }
        segments.append(Segment(rules: rules, events: events))
        events = []  // the segments hold the only reference: corrections are then set in place, not copied
        try await giveEarlierEvents(to: corrections, in: &segments, ledger)
        return Batch(segments: segments, last: Checkpoint(position: last.position, hash: last.hash), rulesAfter: rules)
    }

    /// Gives each correction the events of its dossier before it, read from the log, several
    /// reads at a time (corrections are rare: a few hundred per batch at most).
    private static func giveEarlierEvents(to corrections: [(segment: Int, index: Int)], in segments: inout [Segment],
                                          _ ledger: DossierLedger) async throws {
        guard !corrections.isEmpty else { return }
        let wanted = corrections.map { segments[$0.segment].events[$0.index] }
        var found: [[DossierEvent]] = Array(repeating: [], count: wanted.count)
        try await withThrowingTaskGroup(of: (Int, [DossierEvent]).self) { group in
            var next = 0
            func start() {
                guard next < wanted.count else { return }
                let (index, item) = (next, wanted[next])
                group.addTask { (index, try await earlierEvents(of: item.event.dossier, before: item.version, ledger)) }
                next += 1
            }
            for _ in 0..<16 { start() }
            while let (index, earlier) = try await group.next() {
                found[index] = earlier
                start()
            }
        }
        for (k, place) in corrections.enumerated() {
            let item = wanted[k]
            segments[place.segment].events[place.index] = ProjectedEvent(position: item.position, version: item.version, event: item.event,
                                                                        earlier: found[k])
        }
    }

    /// The events of dossier `code` before its version `version`, read from the log.
    private static func earlierEvents(of code: String, before version: StreamVersion, _ ledger: DossierLedger) async throws -> [DossierEvent] {
        var earlier: [DossierEvent] = []
        let stream = try StreamID(code)
        var next = StreamVersion(1)
        while next < version {
            let records = try await ledger.store.read(stream: stream, from: next, direction: .forward, limit: Int(version.rawValue - next.rawValue))
            guard let last = records.last else { break }
            for record in records { if case .dossier(let event) = try Records.decode(record) { earlier.append(event) } }
            next = last.version.next
        }
        return earlier
    }
}

/// An exclusive `flock(2)` on a lock file: one rebuild of a projection at a time, across processes.
private struct RebuildLock {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ProjectionError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX) == 0 else {
            close(descriptor)
            throw ProjectionError("cannot lock \(path): \(String(cString: strerror(errno)))")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
