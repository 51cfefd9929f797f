import EventLog
import LedgerLMDB

/// Applies appends inside one write transaction: checks each request completely (expected
/// versions, ids) before writing any of it, then assigns seq, version, recorded time and both
/// hash links, and writes the record and its index entries. One writer serves a whole group of
/// requests; a request that fails its checks leaves the others untouched.
struct LogWriter: ~Copyable {
    private let tables: Tables
    private let clock: @Sendable () -> RecordedTime
    private(set) var head: LogHead?
    /// Streams touched in this transaction, written to `streams` by ``finish(_:)``.
    private var touched: [StreamID: StreamHead] = [:]
    private var streamCount: UInt32

    init(_ txn: borrowing WriteTransaction, tables: Tables, clock: @escaping @Sendable () -> RecordedTime) throws {
        self.tables = tables
        self.clock = clock
        head = try txn.logHead(in: tables)
        streamCount = UInt32(try txn.statistics(of: tables.streams).entries)
    }

    /// What one request will write, once checked.
    struct Plan {
        var events: [(stream: StreamID, event: ProposedEvent)] = []
        var duplicates = 0
        var versions: [StreamID: StreamVersion] = [:]
    }

    private func currentHead(of stream: StreamID, _ txn: borrowing WriteTransaction) throws -> StreamHead? {
        if let head = touched[stream] { return head }
        return try txn.streamHead(stream.name, in: tables)
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
                if let seq = try txn.position(ofID: event.id, in: tables) {
                    let identical = try txn.withRecord(at: seq, in: tables) { record in
                        record.streamBytes.elementsEqual(append.stream.name.utf8)
                            && record.typeBytes.elementsEqual(event.type.utf8)
                            && record.payloadBytes.elementsEqual(event.payload)
                    }
                    guard identical == true else {
                        throw EventStoreError(.idConflict, "event \(event.id) is already stored (seq \(seq)) with different content",
                                              stream: append.stream, position: GlobalPosition(seq))
                    }
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
            try append(event, to: stream, txn)
        }
        return GlobalPosition(firstSeq)...GlobalPosition(firstSeq + UInt64(plan.events.count) - 1)
    }

    /// Writes one event whose checks passed.
    mutating func append(_ event: ProposedEvent, to stream: StreamID, _ txn: borrowing WriteTransaction) throws {
        var streamHead: StreamHead
        if let existing = try currentHead(of: stream, txn) {
            streamHead = existing
        } else {
            guard streamCount < UInt32.max else {
                throw EventStoreError(.invalidEvent, "the store holds \(UInt32.max) streams, its limit", stream: stream)
            }
            streamCount += 1
            streamHead = StreamHead(number: streamCount, version: .none, hash: .zero)
        }
        let position = GlobalPosition((head?.position.rawValue ?? 0) + 1)
        let version = streamHead.version.next
        let now = clock()
        let recorded = head.map { max($0.recorded, now) } ?? now  // never decreases along the log
        let previous = head?.hash ?? .zero
        var hash = EventHash.zero
        try withKey(position.rawValue) { key in
            try txn.put(reserving: RecordLayout.size(of: event, in: stream), forKey: key, in: tables.log, options: .append) { buffer in
                hash = RecordLayout.encode(event, stream: stream, position: position, version: version, recorded: recorded,
                                           previousInStream: streamHead.hash, previousHash: previous, into: buffer)
            }
            var id = event.id.value
            try id.withUTF8 { (utf8) in
                try txn.put(key, forKey: UnsafeRawBufferPointer(utf8), in: tables.ids, options: .noOverwrite)
            }
            try withKey(streamIndexKey(number: streamHead.number, version: version.rawValue)) { (indexKey) in
                try txn.put(key, forKey: indexKey, in: tables.streamIndex, options: .noOverwrite)
            }
        }
        streamHead.version = version
        streamHead.hash = hash
        touched[stream] = streamHead
        head = LogHead(position: position, hash: hash, recorded: recorded)
    }

    /// Writes the heads of the touched streams.
    func finish(_ txn: borrowing WriteTransaction) throws {
        for (stream, streamHead) in touched {
            var name = stream.name
            try name.withUTF8 { utf8 in
                try streamHead.withBytes { bytes in
                    try txn.put(bytes, forKey: UnsafeRawBufferPointer(utf8), in: tables.streams)
                }
            }
        }
    }
}
