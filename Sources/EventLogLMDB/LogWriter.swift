import EventLog
import Glibc
import LedgerLMDB

/// Applies appends inside one write transaction: checks each request completely (expected
/// versions, ids) before writing any of it, then assigns seq, version, recorded time and both
/// hash links, and writes the record and its index entries. One writer serves a whole group of
/// requests; a request that fails its checks leaves the others untouched.
struct LogWriter: ~Copyable {
    /// How index entries are written.
    enum Mode {
        /// Every entry at once: ordinary appends.
        case immediate
        /// Bulk loads: index entries are collected and written at ``finish(_:)``, sorted (and
        /// appended beyond each index's last key), so each B-tree page is written once instead
        /// of being touched at random. With `trackIDs` the ids of this load are kept in memory
        /// (about 24 bytes each) so that repeats are found as they come and lookups answered;
        /// without, ``finish(_:)`` finds repeats among the sorted ids and throws
        /// ``LoadNeedsIDTracking``, and the load is redone with tracking.
        case bulk(trackIDs: Bool)
    }

    /// A bulk load met a repeated id, or was asked about an id, without tracking ids.
    struct LoadNeedsIDTracking: Error {}

    private let tables: Tables
    private let clock: @Sendable () -> RecordedTime
    private let mode: Mode
    private(set) var head: LogHead?
    /// Streams touched in this transaction, written to `streams` by ``finish(_:)``.
    private var touched: [StreamID: StreamHead] = [:]
    private var streamCount: UInt32
    private var deferredStreamIndex: [(key: UInt64, seq: UInt64)] = []
    private var deferredIDs: [(key: UInt64, seq: UInt64)] = []
    /// Bulk mode: the first seq of this load under each id hash, and any further ones (a hash
    /// shared by different ids).
    private var loadIDs: [UInt64: UInt64] = [:]
    private var sharedHashes: [UInt64: [UInt64]] = [:]
    /// Which databases were empty when the transaction began (nothing to look up in them).
    private var emptyIDs: Bool, emptyStreams: Bool
    /// Bulk mode: events appended since the last flush of the deferred entries.
    private var pending = 0
    /// Bulk mode flushes its deferred entries (and forgets the load's ids) every so many
    /// events, so memory stays bounded however large the load.
    let flushInterval: Int

    init(_ txn: borrowing WriteTransaction, tables: Tables, mode: Mode = .immediate, flushInterval: Int = 1 << 20,
         clock: @escaping @Sendable () -> RecordedTime) throws {
        self.flushInterval = flushInterval
        let head = try txn.logHead(in: tables)
        let streamCount = UInt32(try txn.statistics(of: tables.streams).entries)
        let emptyIDs = try txn.statistics(of: tables.ids).entries == 0
        self.emptyIDs = emptyIDs
        emptyStreams = streamCount == 0
        self.tables = tables
        self.clock = clock
        self.mode = mode
        self.head = head
        self.streamCount = streamCount
    }

    /// The version of each stream written in this transaction (not kept by bulk loads: a
    /// load of millions of streams would keep them all in memory).
    var streamVersions: [StreamID: StreamVersion] { touched.mapValues(\.version) }

    /// What one request will write, once checked.
    struct Plan {
        var events: [(stream: StreamID, event: ProposedEvent)] = []
        var duplicates = 0
        var versions: [StreamID: StreamVersion] = [:]
    }

    private func currentHead(of stream: StreamID, _ txn: borrowing WriteTransaction) throws -> StreamHead? {
        if let head = touched[stream] { return head }
        if emptyStreams { return nil }
        return try txn.streamHead(stream.name, in: tables)
    }

    /// The seq of the event with `id`, stored before this transaction or in it.
    func position(ofID id: EventID, _ txn: borrowing WriteTransaction) throws -> UInt64? {
        if case .bulk = mode {
            let key = idKey(id)
            if let first = loadIDs[key] {
                for seq in [first] + (sharedHashes[key] ?? []) {
                    let matches = try txn.withRecord(at: seq, in: tables) { $0.idBytes.elementsEqual(id.value.utf8) }
                    if matches == true { return seq }
                }
            }
            if emptyIDs { return nil }
        }
        return try txn.position(ofID: id, in: tables)
    }

    /// Checks a request against the log as this transaction sees it.
    /// - Throws: ``EventStoreError`` for a request that must fail alone; anything else aborts the group.
    func plan(_ batch: [StreamAppend], _ txn: borrowing WriteTransaction) throws -> Plan {
        var plan = Plan()
        var seenInBatch: [EventID: (stream: StreamID, event: ProposedEvent)] = [:]
        for append in batch {
            let before = try plan.versions[append.stream] ?? currentHead(of: append.stream, txn)?.version ?? .none
            var fresh = 0
            for event in append.events {
                if let prior = seenInBatch[event.id] {
                    guard prior.stream == append.stream && prior.event == event else {
                        throw EventStoreError(.idConflict, "event \(event.id) appears twice in one batch with different content", stream: append.stream)
                    }
                    plan.duplicates += 1
                    continue
                }
                if let seq = try position(ofID: event.id, txn) {
                    try checkDuplicate(event, in: append.stream, storedAt: seq, txn)
                    plan.duplicates += 1
                    continue
                }
                seenInBatch[event.id] = (append.stream, event)
                plan.events.append((append.stream, event))
                fresh += 1
            }
            if fresh > 0 {
                guard append.expected.admits(before) else {
                    throw EventStoreError.wrongExpectedVersion(append.stream, expected: append.expected, actual: before)
                }
                guard before.rawValue + UInt64(fresh) <= UInt64(UInt32.max) else {
                    throw EventStoreError(.invalidEvent, "stream \(append.stream): more than \(UInt32.max) events", stream: append.stream)
                }
            }
            plan.versions[append.stream] = StreamVersion(before.rawValue + UInt64(fresh))
        }
        return plan
    }

    /// Writes a checked plan and returns the positions it used.
    mutating func write(_ plan: Plan, _ txn: borrowing WriteTransaction) throws -> ClosedRange<GlobalPosition>? {
        guard !plan.events.isEmpty else { return nil }
        let firstSeq = (head?.position.rawValue ?? 0) + 1
        for (stream, event) in plan.events {
            let stored = try append(event, to: stream, txn)
            assert(stored, "a planned event was found stored already")
        }
        return GlobalPosition(firstSeq)...GlobalPosition(firstSeq + UInt64(plan.events.count) - 1)
    }

    /// Writes one event with expected version `.any`; returns `false` when an identical event
    /// with its id is stored already (a duplicate).
    ///
    /// - Throws: ``EventStoreError`` `.idConflict` for the id stored with other content.
    mutating func append(_ event: ProposedEvent, to stream: StreamID, replica: ReplicaFields? = nil, knownNew: Bool = false,
                         _ txn: borrowing WriteTransaction) throws -> Bool {
        let position = GlobalPosition((head?.position.rawValue ?? 0) + 1)
        if let replica, replica.position != position {
            throw EventStoreError(.replicaMismatch, "event \(event.id): the export says seq \(replica.position), the replica is at seq \(position)",
                                  position: position)
        }
        if case .bulk(let trackIDs) = mode {
            if !knownNew, let stored = try self.position(ofID: event.id, txn) {
                try checkDuplicate(event, in: stream, storedAt: stored, txn)
                return false
            }
            let key = idKey(event.id)
            if trackIDs {
                if loadIDs[key] == nil { loadIDs[key] = position.rawValue } else { sharedHashes[key, default: []].append(position.rawValue) }
            }
            deferredIDs.append((key, position.rawValue))
            pending += 1
        } else if try !insertID(event, in: stream, at: position.rawValue, txn) {
            return false
        }
        // One dictionary lookup for the stream's head, reused for the update below.
        let slot = touched.index(forKey: stream)
        var streamHead: StreamHead
        if let slot {
            streamHead = touched.values[slot]
        } else if !emptyStreams, let stored = try txn.streamHead(stream.name, in: tables) {
            streamHead = stored
        } else {
            guard streamCount < UInt32.max else {
                throw EventStoreError(.invalidEvent, "the store holds \(UInt32.max) streams, its limit", stream: stream)
            }
            streamCount += 1
            streamHead = StreamHead(number: streamCount, version: .none, hash: .zero)
        }
        let version = streamHead.version.next
        let now = replica?.recorded ?? clock()
        let recorded = head.map { max($0.recorded, now) } ?? now  // never decreases along the log
        let previous = head?.hash ?? .zero
        var hash = EventHash.zero
        try withKey(position.rawValue) { key in
            try txn.put(reserving: RecordLayout.size(of: event, in: stream), forKey: key, in: tables.log, options: .append) { buffer in
                hash = RecordLayout.encode(event, stream: stream, position: position, version: version, recorded: recorded,
                                           previousInStream: streamHead.hash, previousHash: previous, into: buffer)
            }
        }
        if let replica, replica.version != version || replica.hash != hash || replica.recorded != recorded {
            throw EventStoreError(.replicaMismatch, "event \(event.id) at seq \(position): the export's version, recorded time or hash differs from the replica's",
                                  position: position)
        }
        let indexKey = streamIndexKey(number: streamHead.number, version: version.rawValue)
        if case .bulk = mode {
            deferredStreamIndex.append((indexKey, position.rawValue))
        } else {
            try put(position.rawValue, forKey: indexKey, in: tables.streamIndex, options: .noOverwrite, txn)
        }
        streamHead.version = version
        streamHead.hash = hash
        if let slot { touched.values[slot] = streamHead } else { touched[stream] = streamHead }
        head = LogHead(position: position, hash: hash, recorded: recorded)
        return true
    }

    /// Records `event`'s id at `seq`; returns `false` when an identical event is stored already.
    ///
    /// The first insert (`MDB_NOOVERWRITE`) both detects a known hash and records the id in one
    /// B-tree descent; only a known hash costs a lookup of the ids behind it.
    private func insertID(_ event: ProposedEvent, in stream: StreamID, at seq: UInt64, _ txn: borrowing WriteTransaction) throws -> Bool {
        let key = idKey(event.id)
        do {
            try put(seq, forKey: key, in: tables.ids, options: .noOverwrite, txn)
            return true
        } catch LMDBError.Code.keyExists {
            if let stored = try txn.position(ofID: event.id, in: tables) {
                try checkDuplicate(event, in: stream, storedAt: stored, txn)
                return false
            }
            // Another id with the same hash: keep both.
            try put(seq, forKey: key, in: tables.ids, options: .noDuplicateData, txn)
            return true
        }
    }

    private func put(_ value: UInt64, forKey key: UInt64, options: PutOptions, _ cursor: borrowing Cursor) throws {
        try withKey(key) { k in try withKey(value) { v in try cursor.put(v, forKey: k, options: options) } }
    }

    private func put(_ value: UInt64, forKey key: UInt64, in db: Database, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        try withKey(key) { k in try withKey(value) { v in try txn.put(v, forKey: k, in: db, options: options) } }
    }

    /// Throws `.idConflict` unless the event stored at `seq` has `event`'s stream, type and payload.
    private func checkDuplicate(_ event: ProposedEvent, in stream: StreamID, storedAt seq: UInt64, _ txn: borrowing WriteTransaction) throws {
        let identical = try txn.withRecord(at: seq, in: tables) { record in
            record.streamBytes.elementsEqual(stream.name.utf8)
                && record.typeBytes.elementsEqual(event.type.utf8)
                && record.payloadBytes.elementsEqual(event.payload)
        }
        guard identical == true else {
            throw EventStoreError(.idConflict, "event \(event.id) is already stored (seq \(seq)) with different content",
                                  stream: stream, position: GlobalPosition(seq))
        }
    }

    /// In bulk mode, after `flushInterval` events: writes the deferred entries now and forgets
    /// what it kept in memory (the store's lookups then find them in the databases). Returns
    /// whether it flushed, so that the source may forget its own per-stream state too.
    mutating func flushIfDue(_ txn: borrowing WriteTransaction) throws -> Bool {
        guard pending >= flushInterval else { return false }
        try finish(txn)
        return true
    }

    /// Writes the deferred index entries in key order, and the heads of the touched streams.
    mutating func finish(_ txn: borrowing WriteTransaction) throws {
        let wroteIDs = !deferredIDs.isEmpty
        defer {
            pending = 0
            if case .bulk = mode {
                touched.removeAll(keepingCapacity: true)
                loadIDs.removeAll(keepingCapacity: true)
                sharedHashes.removeAll()
                emptyIDs = emptyIDs && !wroteIDs
                emptyStreams = streamCount == 0
            }
        }
        // Sorted entries beyond an index's last key are appended (`MDB_APPEND`, no search);
        // the others are inserted, in order, so each page is still touched once.
        radixSort(&deferredStreamIndex)
        var last = try lastKey(of: tables.streamIndex, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
        try txn.withCursor(on: tables.streamIndex) { cursor in
            for entry in deferredStreamIndex {
                let beyond = last.map { entry.key > $0 } ?? true
                try put(entry.seq, forKey: entry.key, options: beyond ? .append : .noOverwrite, cursor)
                if beyond { last = entry.key }
            }
        }
        deferredStreamIndex.removeAll()

        radixSort(&deferredIDs)  // stable: equal hashes stay in seq order
        if case .bulk(trackIDs: false) = mode { try checkRepeats(txn) }
        last = try lastKey(of: tables.ids, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
        var appendedLast = false
        try txn.withCursor(on: tables.ids) { cursor in
            for entry in deferredIDs {
                let options: PutOptions
                if last.map({ entry.key > $0 }) ?? true {
                    options = .append
                    last = entry.key
                    appendedLast = true
                } else if entry.key == last && appendedLast {
                    options = .appendDuplicate  // another id of this load with the hash just appended
                } else {
                    options = .noDuplicateData
                    appendedLast = false
                }
                try put(entry.seq, forKey: entry.key, options: options, cursor)
            }
        }
        deferredIDs.removeAll()

        if case .bulk = mode {
            try putStreamHeadsSorted(txn)
        } else {
            for (stream, streamHead) in touched { try putStreamHead(stream, streamHead, options: [], txn) }
        }
    }

    /// Without id tracking: throws ``LoadNeedsIDTracking`` when two events of this load share an
    /// id (equal hashes are next to each other once sorted; their records tell).
    private func checkRepeats(_ txn: borrowing WriteTransaction) throws {
        var groupStart = 0
        for index in deferredIDs.indices.dropFirst() {
            guard deferredIDs[index].key == deferredIDs[index - 1].key else { groupStart = index; continue }
            for earlier in deferredIDs[groupStart..<index] {
                let same = try txn.withRecord(at: deferredIDs[index].seq, in: tables) { later in
                    try txn.withRecord(at: earlier.seq, in: tables) { $0.idBytes.elementsEqual(later.idBytes) }
                }
                if same != false { throw LoadNeedsIDTracking() }
            }
        }
    }

    /// The last key of `db`, copied, or nil when it is empty.
    private func lastKey(of db: Database, _ txn: borrowing WriteTransaction) throws -> [UInt8]? {
        try txn.withCursor(on: db) { cursor in try cursor.move(to: .last) { key, _ in Array(key) } }
    }

    private func putStreamHead(_ stream: StreamID, _ streamHead: StreamHead, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        var name = stream.name
        try name.withUTF8 { utf8 in
            try streamHead.withBytes { bytes in
                try txn.put(bytes, forKey: UnsafeRawBufferPointer(utf8), in: tables.streams, options: options)
            }
        }
    }

    /// Writes every stream head in name order (LMDB's byte order), appending those beyond the
    /// last name stored. The names are copied into one buffer first, so sorting compares bytes
    /// with `memcmp` rather than `String`s.
    private func putStreamHeadsSorted(_ txn: borrowing WriteTransaction) throws {
        let heads = Array(touched)
        var arena: [UInt8] = []
        var spans: [(start: Int, count: Int)] = []
        spans.reserveCapacity(heads.count)
        for (stream, _) in heads {
            spans.append((arena.count, stream.name.utf8.count))
            arena.append(contentsOf: stream.name.utf8)
        }
        var order = Array(heads.indices)
        arena.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            order.sort { a, b in
                let x = spans[a], y = spans[b]
                let common = memcmp(base + x.start, base + y.start, min(x.count, y.count))
                return common < 0 || (common == 0 && x.count < y.count)
            }
        }
        var last = try lastKey(of: tables.streams, txn)
        for index in order {
            let name = Array(heads[index].key.name.utf8)
            let beyond = last.map { name.lexicographicallyPrecedes($0) == false && name != $0 } ?? true
            try putStreamHead(heads[index].key, heads[index].value, options: beyond ? .append : [], txn)
            if beyond { last = name }
        }
    }
}
