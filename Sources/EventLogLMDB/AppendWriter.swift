import EventLog
import LedgerLMDB

/// Applies ordinary appends inside one write transaction: checks each request completely
/// (expected versions, ids) before writing any of it, then writes each record and its index
/// entries at once. One writer serves a whole group of requests (group commit); a request that
/// fails its checks leaves the others untouched.
struct AppendWriter: ~Copyable {
    private var records: RecordWriter
    private var tables: Tables { records.tables }
    /// Streams touched in this transaction, written to `streams` by ``finish(_:)``.
    private var touched: [StreamID: StreamHead] = [:]
    /// Whether `streams` held nothing (no head to look up).
    private let emptyStreams: Bool

    init(_ txn: borrowing WriteTransaction, tables: Tables, clock: @escaping @Sendable () -> RecordedTime) throws {
        records = try RecordWriter(txn, tables: tables, clock: clock)
        emptyStreams = records.hadNoStreams
    }

    /// The version of each stream written in this transaction.
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
        try txn.position(ofID: id, in: tables)
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
                    try records.checkDuplicate(event, in: append.stream, storedAt: seq, txn)
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
        let firstSeq = records.nextPosition
        for (stream, event) in plan.events {
            let stored = try append(event, to: stream, txn)
            assert(stored, "a planned event was found stored already")
        }
        return GlobalPosition(firstSeq)...GlobalPosition(firstSeq + UInt64(plan.events.count) - 1)
    }

    /// Writes one checked event; returns `false` when an identical event with
    /// its id is stored already (a duplicate).
    ///
    /// - Throws: ``EventStoreError`` `.idConflict` for the id stored with other content.
    mutating func append(_ event: ProposedEvent, to stream: StreamID, _ txn: borrowing WriteTransaction) throws -> Bool {
        let position = records.nextPosition
        guard try insertID(event, in: stream, at: position, txn) else { return false }
        // One dictionary lookup for the stream's head, reused for the update below.
        let slot = touched.index(forKey: stream)
        var streamHead: StreamHead
        if let slot {
            streamHead = touched.values[slot]
        } else if !emptyStreams, let stored = try txn.streamHead(stream.name, in: tables) {
            streamHead = stored
        } else {
            streamHead = try records.newStreamHead()
        }
        let version = try event.withBytes { id, type, payload in
            var name = stream.name
            return try name.withUTF8 { name in
                try records.writeRecord(id: id, stream: UnsafeRawBufferPointer(name), type: type, payload: payload,
                                at: position, streamHead: &streamHead, replica: nil, txn)
            }
        }
        try records.put(position, forKey: streamIndexKey(number: streamHead.number, version: version), in: tables.streamIndex, options: .noOverwrite, txn)
        if let slot { touched.values[slot] = streamHead } else { touched[stream] = streamHead }
        return true
    }

    /// Records `event`'s id at `seq`; returns `false` when an identical event is stored already.
    ///
    /// The first insert (`MDB_NOOVERWRITE`) both detects a known hash and records the id in one
    /// B-tree descent; only a known hash costs a lookup of the ids behind it.
    private func insertID(_ event: ProposedEvent, in stream: StreamID, at seq: UInt64, _ txn: borrowing WriteTransaction) throws -> Bool {
        let key = idKey(event.id)
        do {
            try records.put(seq, forKey: key, in: tables.ids, options: .noOverwrite, txn)
            return true
        } catch LMDBError.Code.keyExists {
            if let stored = try txn.position(ofID: event.id, in: tables) {
                try records.checkDuplicate(event, in: stream, storedAt: stored, txn)
                return false
            }
            // Another id with the same hash: keep both.
            try records.put(seq, forKey: key, in: tables.ids, options: .noDuplicateData, txn)
            return true
        }
    }

    /// Writes the heads of the touched streams.
    mutating func finish(_ txn: borrowing WriteTransaction) throws {
        for (stream, streamHead) in touched { try records.putStreamHead(stream, streamHead, options: [], txn) }
    }
}
