import Dispatch
public import EventLog
public import LedgerLMDB

/// The event store on LMDB: one environment (a directory) holding the log, its indexes and the
/// per-stream heads (see `Layout`).
///
/// ```swift
/// let store = try LMDBEventStore(path: "/var/lib/dossier")
/// let result = try await store.append([event], to: try StreamID("000.00.17.H19-250304-0001"), expected: .noStream)
/// for try await event in store.subscribe(from: .first) { … }
/// ```
///
/// Writes run on one dedicated queue. Appends that arrive while a commit is in progress are
/// grouped into the next write transaction (group commit): they share one commit and one fsync,
/// and each returns only after that commit is durable. Reads run short read transactions on a
/// concurrent queue and never wait for writers; point reads (a head, an id, one stream's
/// events) take microseconds and no lock, so they run on the caller's thread instead of paying
/// two thread hops for a few microseconds of work. Other processes may open the same directory:
/// LMDB lets one of them write at a time and any number read.
public final class LMDBEventStore: EventStore, BulkLoading {
    /// How a store is opened.
    public struct Configuration: Sendable {
        /// Initial map size; the map doubles whenever it is full.
        public var initialMapSize: Int
        /// Open without any way to write (every append throws `.readOnly`).
        public var readOnly: Bool
        /// The most concurrent readers across processes.
        public var maxReaders: Int
        /// Where recording times come from (tests inject a fixed clock).
        public var clock: @Sendable () -> RecordedTime
        /// A bulk load writes its sorted index entries every so many events (and forgets what it
        /// kept of them), so its memory stays bounded whatever its size. The default, 3 × 2^22
        /// (12.6 million), keeps a 10-million-event import to one pass of appends at the end
        /// (inserting into indexes already large costs about 2 s per 4 million entries) and the
        /// load's id table within 2^24 buckets (3/4 full): about 700 MB for the interval's entries.
        public var bulkFlushInterval: Int

        public init(initialMapSize: Int = 64 << 20, readOnly: Bool = false, maxReaders: Int = 126,
                    bulkFlushInterval: Int = 3 << 22,
                    clock: @escaping @Sendable () -> RecordedTime = RecordedTime.now) {
            self.initialMapSize = initialMapSize
            self.readOnly = readOnly
            self.maxReaders = maxReaders
            self.bulkFlushInterval = bulkFlushInterval
            self.clock = clock
        }
    }

    /// The environment; exposed for statistics, copies and tests.
    public let environment: Environment
    let tables: Tables
    let configuration: Configuration
    let writer = DispatchQueue(label: "dossierledger.eventstore.writer")
    let readers = DispatchQueue(label: "dossierledger.eventstore.readers", attributes: .concurrent)
    private let pending = PendingAppends()

    /// Opens the store at `path`, creating it unless read-only, and clears reader slots that
    /// dead processes left behind.
    ///
    /// - Throws: ``EventStoreError`` `.storage` wrapping the ``LMDBError`` (a missing read-only
    ///   store: `.noSuchFile`; the path open already in this process: `.busy`).
    public init(path: String, configuration: Configuration = .init()) throws {
        self.configuration = configuration
        do {
            environment = try Environment(path: path, configuration: .init(
                mapSize: configuration.initialMapSize, maxReaders: configuration.maxReaders,
                maxDatabases: Layout.all.count + 2, options: configuration.readOnly ? .readOnly : []))
            if !configuration.readOnly { _ = try environment.clearStaleReaders() }
            tables = Tables(try environment.openDatabases(Layout.all))
        } catch {
            throw EventStoreError(error)
        }
    }

    // MARK: Writing

    public func append(_ batch: [StreamAppend]) async throws -> AppendResult {
        guard !configuration.readOnly else {
            throw EventStoreError(.readOnly, "the store at \(environment.path) is open read-only")
        }
        return try await withCheckedThrowingContinuation { continuation in
            if pending.enqueue(PendingAppend(batch: batch, continuation: continuation)) {
                writer.async { self.drain() }
            }
        }
    }

    /// Runs on the writer queue: takes every pending request, writes them in one transaction,
    /// resumes their callers after the commit, and repeats until none is pending.
    private func drain() {
        while true {
            let group = pending.takeGroup()
            if group.isEmpty { return }
            var outcomes: [Result<AppendResult, any Error>] = []
            do {
                try environment.write { txn in
                    outcomes = []
                    var logWriter = try AppendWriter(txn, tables: tables, clock: configuration.clock)
                    for request in group {
                        let plan: AppendWriter.Plan
                        do {
                            plan = try logWriter.plan(request.batch, txn)
                        } catch let error as EventStoreError {
                            outcomes.append(.failure(error))
                            continue
                        }
                        let positions = try logWriter.write(plan, txn)
                        outcomes.append(.success(AppendResult(positions: positions, duplicates: plan.duplicates, streamVersions: plan.versions)))
                    }
                    try logWriter.finish(txn)
                }
            } catch {
                let failure = EventStoreError(error)
                outcomes = group.map { _ in .failure(failure) }
            }
            for (request, outcome) in zip(group, outcomes) {
                request.continuation.resume(with: outcome)
            }
        }
    }

    /// Appends a large sequence of events (expected version `.any`); see ``bulkLoad(from:)``.
    ///
    /// It writes the indexes once, at the end (fastest; memory grows by about 16 bytes per event
    /// until then).
    public func bulkLoad<S: Sequence & Sendable>(_ events: S) async throws -> AppendResult
    where S.Element == (StreamID, ProposedEvent), S.Iterator: Sendable {
        try await bulkLoad(from: SequenceSource(events), flushInterval: .max).result
    }

    /// Loads everything `source` produces in one atomic transaction, synced once at the end:
    /// all of it is stored, or (when the source or the store throws) none.
    ///
    /// Events whose id is stored already with identical content are skipped and counted (as in
    /// ``append(_:)``). The log is appended in order; index entries are collected, sorted and
    /// written every ``Configuration/bulkFlushInterval`` events and at the end, appended beyond
    /// each index's last key. Other appends of this process wait until it ends. Returns the
    /// source as it ended (an importer's counts); the result's `streamVersions` is empty.
    public func bulkLoad<Source: BulkEventSource>(from source: Source) async throws -> (result: AppendResult, source: Source) {
        try await bulkLoad(from: source, flushInterval: configuration.bulkFlushInterval)
    }

    /// ``bulkLoad(from:)`` writing the collected index entries every `flushInterval` events.
    public func bulkLoad<Source: BulkEventSource>(from source: Source, flushInterval: Int) async throws -> (result: AppendResult, source: Source) {
        guard !configuration.readOnly else {
            throw EventStoreError(.readOnly, "the store at \(environment.path) is open read-only")
        }
        return try await withCheckedThrowingContinuation { continuation in
            writer.async {
                continuation.resume(with: Result {
                    do {
                        try self.environment.setSyncAfterCommit(false)
                        let outcome = Result { try self.load(source, flushInterval: flushInterval) }
                        // Every later commit must sync again; failing to restore that is an error of its own.
                        try self.environment.setSyncAfterCommit(true)
                        return try outcome.get()
                    } catch let error as LMDBError {
                        throw EventStoreError(error)
                    }  // anything else (a source's own error, such as an invalid line) passes unchanged
                })
            }
        }
    }

    private func load<Source: BulkEventSource>(_ original: Source, flushInterval: Int) throws -> (result: AppendResult, source: Source) {
        var source = original
        // About 1.5 bytes of map per byte of events, for the log and its indexes, twice over.
        try environment.reserveMap(environment.usedBytes + source.estimatedBytes * 3)
        // A source that asks about ids says so: its load tracks them from the start. Otherwise
        // first without (faster); a load that repeats an id is redone with tracking.
        var trackIDs = source.asksAboutIDs
        var result: AppendResult?
        while result == nil {
            do {
                result = try environment.write { txn in
                    try source.rewind()  // every attempt (the map may also have had to grow) starts from the first event
                    var logWriter = try BulkWriter(txn, tables: tables, trackIDs: trackIDs, flushInterval: flushInterval,
                                                  expectedEvents: source.estimatedBytes / 128, clock: configuration.clock)
                    let before = logWriter.head?.position.rawValue ?? 0
                    var duplicates = 0
                    while let item = try source.next({ lookup in try self.answer(lookup, txn, &logWriter, tracking: trackIDs) }) {
                        if try !logWriter.append(item, txn) { duplicates += 1 }
                        try logWriter.flushIfDue(txn)
                    }
                    try logWriter.finish(txn)
                    let after = logWriter.head?.position.rawValue ?? 0
                    return AppendResult(positions: after > before ? GlobalPosition(before + 1)...GlobalPosition(after) : nil,
                                        duplicates: duplicates, streamVersions: [:])
                }
            } catch is BulkWriter.LoadNeedsIDTracking where !trackIDs {
                trackIDs = true
            }
        }
        try environment.sync()
        guard let result else { preconditionFailure("the loop above ends only with a result") }
        return (result, source)
    }

    /// Answers a bulk source's question from inside the load's transaction.
    private func answer(_ lookup: BulkLookup, _ txn: borrowing WriteTransaction, _ logWriter: inout BulkWriter,
                        tracking: Bool) throws -> BulkLookupResult {
        switch lookup {
        case .restartSlots:
            try logWriter.restartSlots(txn)
            return .events([])
        case .stream(let stream):
            return .events(try Self.readStream(txn, tables: tables, stream: stream, from: StreamVersion(1), direction: .forward, limit: .max))
        case .event(let id):
            guard tracking else { throw BulkWriter.LoadNeedsIDTracking() }
            guard let seq = try logWriter.position(ofID: id, txn) else { return .event(nil) }
            return .event(try txn.withRecord(at: seq, in: tables) { $0.decode() })
        }
    }

    // MARK: Reading

    /// Runs `body` in a read transaction on the caller's thread: for point reads, which take
    /// microseconds (a few B-tree lookups in mapped memory) and never wait for a lock.
    func lookingUp<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        do { return try environment.read(body) } catch { throw EventStoreError(error) }
    }

    /// Runs `body` in a read transaction on the readers' queue: for reads that walk the log.
    func reading<R: Sendable>(_ body: @escaping @Sendable (borrowing ReadTransaction) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            readers.async {
                continuation.resume(with: Result {
                    do { return try self.environment.read(body) } catch { throw EventStoreError(error) }
                })
            }
        }
    }

    public func head() async throws -> LogHead? {
        try lookingUp { [tables] txn in try txn.logHead(in: tables) }
    }

    public func read(stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try lookingUp { [tables] txn in
            try Self.readStream(txn, tables: tables, stream: stream, from: version, direction: direction, limit: limit)
        }
    }

    private static func readStream<Access>(_ txn: borrowing Transaction<Access>, tables: Tables, stream: StreamID, from version: StreamVersion,
                                   direction: ReadDirection, limit: Int) throws -> [RecordedEvent] {
        guard limit > 0, let streamHead = try txn.streamHead(stream.name, in: tables) else { return [] }
        var versions: [UInt64]
        switch direction {
        case .forward:
            let start = max(version.rawValue, 1)
            guard start <= streamHead.version.rawValue else { return [] }
            versions = Array(start...min(streamHead.version.rawValue, start &+ UInt64(limit) &- 1))
        case .backward:
            let start = min(version.rawValue, streamHead.version.rawValue)
            guard start >= 1 else { return [] }
            let end = start >= UInt64(limit) ? start - UInt64(limit) + 1 : 1
            versions = Array((end...start).reversed())
        }
        var events: [RecordedEvent] = []
        events.reserveCapacity(versions.count)
        for v in versions {
            let seq = try withKey(streamIndexKey(number: streamHead.number, version: v)) { key in
                try txn.withValue(forKey: key, in: tables.streamIndex) { loadSeq($0) } ?? nil
            }
            guard let seq, let event = try txn.withRecord(at: seq, in: tables, { $0.decode() }) else {
                throw EventStoreError(.corruptRecord, "stream \(stream): version \(v) is missing from the index", stream: stream)
            }
            events.append(event)
        }
        return events
    }

    public func event(id: EventID) async throws -> RecordedEvent? {
        try lookingUp { [tables] txn in
            guard let seq = try txn.position(ofID: id, in: tables) else { return nil }
            return try txn.withRecord(at: seq, in: tables) { $0.decode() }
        }
    }

    public func readAll(from position: GlobalPosition, limit: Int) async throws -> [RecordedEvent] {
        try await reading { txn in
            var events: [RecordedEvent] = []
            try self.scan(txn, from: position) { record in
                events.append(record.decode())
                return events.count < limit
            }
            return events
        }
    }

    public func firstPosition(recordedAtOrAfter time: RecordedTime) async throws -> GlobalPosition? {
        try lookingUp { [tables] txn in
            guard let head = try txn.logHead(in: tables) else { return nil }
            var low: UInt64 = 1, high = head.position.rawValue + 1  // answer in [low, high); high = none
            while low < high {
                let mid = low + (high - low) / 2
                guard let recorded = try txn.withRecord(at: mid, in: tables, { $0.recorded }) else {
                    throw EventStoreError(.corruptRecord, "seq \(mid) is missing", position: GlobalPosition(mid))
                }
                if recorded < time { low = mid + 1 } else { high = mid }
            }
            return low <= head.position.rawValue ? GlobalPosition(low) : nil
        }
    }

    public func verify(_ range: ClosedRange<GlobalPosition>?, progress: @escaping @Sendable (Int) -> Void) async throws -> VerificationReport {
        try await withCheckedThrowingContinuation { continuation in
            readers.async { continuation.resume(with: Result { try self.verifySynchronously(range, progress: progress) }) }
        }
    }

    /// ``verify(_:)`` on the caller's thread, reporting progress (events checked so far) every
    /// 65,536 events.
    @available(*, noasync, message: "use verify(_:) from async code")
    public func verifySynchronously(_ range: ClosedRange<GlobalPosition>?, progress: (Int) -> Void = { _ in }) throws -> VerificationReport {
        do {
            let start = range?.lowerBound ?? .first
            let previous = start.rawValue <= 1 ? EventHash.zero : try environment.read { txn in
                guard let hash = try txn.withRecord(at: start.rawValue - 1, in: tables, { $0.hash }) else {
                    throw EventStoreError(.corruptRecord, "seq \(start.rawValue - 1) is missing", position: GlobalPosition(start.rawValue - 1))
                }
                return hash
            }
            var verifier = ChainVerifier(start: start, previousHash: previous)
            var failure: VerificationFailure?
            var next = start
            // Chunks of short read transactions, so a long verify never pins old pages for long.
            var more = true
            while more && failure == nil {
                var inChunk = 0
                more = false
                try environment.read { txn in
                    try txn.withCursor(on: tables.log) { cursor in
                        var step = Cursor.Position.atLeast(LedgerLMDB.BigEndian.bytes(next.rawValue))
                        while let stop = try cursor.move(to: step, { key, value -> Bool in
                            guard let seq = loadSeq(key) else {
                                failure = VerificationFailure(position: next, problem: .corrupt("log key of \(key.count) bytes"))
                                return true
                            }
                            if let upper = range?.upperBound, seq > upper.rawValue { return true }
                            do {
                                let view = try RecordView(bytes: value, at: GlobalPosition(seq))
                                failure = try verifier.check(view, storedAt: GlobalPosition(seq)) { stream, version in
                                    try Self.hash(of: stream, version: version, txn, tables: tables)
                                }
                            } catch let error as EventStoreError where error.code == .corruptRecord {
                                failure = VerificationFailure(position: GlobalPosition(seq), problem: .corrupt(error.message))
                            }
                            return failure != nil
                        }), !stop {
                            step = .next
                            inChunk += 1
                            if inChunk == 65_536 { more = true; break }
                        }
                    }
                }
                next = verifier.head?.position.next ?? start
                progress(verifier.checked)
            }
            return VerificationReport(checked: verifier.checked, head: verifier.head, failure: failure)
        } catch {
            throw EventStoreError(error)
        }
    }

    private static func hash(of stream: String, version: StreamVersion, _ txn: borrowing ReadTransaction, tables: Tables) throws -> EventHash? {
        guard let head = try txn.streamHead(stream, in: tables) else { return nil }
        let seq = try withKey(streamIndexKey(number: head.number, version: version.rawValue)) { key in
            try txn.withValue(forKey: key, in: tables.streamIndex) { loadSeq($0) } ?? nil
        }
        guard let seq else { return nil }
        return try txn.withRecord(at: seq, in: tables) { $0.hash }
    }
}
