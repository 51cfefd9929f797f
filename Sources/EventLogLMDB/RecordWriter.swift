import EventLog
import LedgerLMDB

/// What every writer of the log shares inside one write transaction: the log's head, the
/// stream numbers, and writing a record (seq, version, recorded time, both hash links) after a
/// stream's head. ``AppendWriter`` (ordinary appends) and ``BulkWriter`` (bulk loads) each keep
/// their own indexes around it.
struct RecordWriter: ~Copyable {
    let tables: Tables
    private let clock: @Sendable () -> RecordedTime
    private(set) var head: LogHead?
    private var streamCount: UInt32

    init(_ txn: borrowing WriteTransaction, tables: Tables, clock: @escaping @Sendable () -> RecordedTime) throws {
        head = try txn.logHead(in: tables)
        streamCount = UInt32(try txn.statistics(of: tables.streams).entries)
        self.tables = tables
        self.clock = clock
    }

    /// Whether the store held no stream when the transaction began.
    var hadNoStreams: Bool { streamCount == 0 }

    /// The seq the next record takes.
    var nextPosition: UInt64 { (head?.position.rawValue ?? 0) + 1 }

    /// The head of a stream new to the store.
    mutating func newStreamHead() throws -> StreamHead {
        guard streamCount < UInt32.max else {
            throw EventStoreError(.invalidEvent, "the store holds \(UInt32.max) streams, its limit")
        }
        streamCount += 1
        return StreamHead(number: streamCount, version: .none, hash: .zero)
    }

    /// Writes the record at seq `position` after `streamHead`, advances the stream's and the
    /// log's heads, and returns the event's version.
    mutating func writeRecord(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                                      payload: UnsafeRawBufferPointer, at position: UInt64, streamHead: inout StreamHead,
                                      replica: ReplicaFields?, _ txn: borrowing WriteTransaction) throws -> UInt64 {
        let version = streamHead.version.next
        let now = replica?.recorded ?? clock()
        let recorded = head.map { max($0.recorded, now) } ?? now  // never decreases along the log
        let previous = head?.hash ?? .zero
        var hash = EventHash.zero
        let size = RecordLayout.size(idCount: id.count, streamCount: stream.count, typeCount: type.count, payloadCount: payload.count)
        try withKey(position) { key in
            try txn.put(reserving: size, forKey: key, in: tables.log, options: .append) { [streamHead] buffer in
                hash = RecordLayout.encode(id: id, stream: stream, type: type, payload: payload, position: GlobalPosition(position),
                                           version: version, recorded: recorded, previousInStream: streamHead.hash,
                                           previousHash: previous, into: buffer)
            }
        }
        if let replica, replica.version != version || replica.hash != hash || replica.recorded != recorded {
            throw EventStoreError(.replicaMismatch, "event \(String(decoding: id, as: UTF8.self)) at seq \(position): the export's version, recorded time or hash differs from the replica's",
                                  position: GlobalPosition(position))
        }
        streamHead.version = version
        streamHead.hash = hash
        head = LogHead(position: GlobalPosition(position), hash: hash, recorded: recorded)
        return version.rawValue
    }

    /// Throws `.idConflict` unless the event stored at `seq` has `event`'s stream, type and payload.
    func checkDuplicate(_ event: ProposedEvent, in stream: StreamID, storedAt seq: UInt64, _ txn: borrowing WriteTransaction) throws {
        try event.withBytes { id, type, payload in
            var name = stream.name
            try name.withUTF8 { name in
                try checkDuplicate(id: id, stream: UnsafeRawBufferPointer(name), type: type, payload: payload, storedAt: seq, txn)
            }
        }
    }

    func checkDuplicate(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                                payload: UnsafeRawBufferPointer, storedAt seq: UInt64, _ txn: borrowing WriteTransaction) throws {
        let identical = try txn.withRecord(at: seq, in: tables) { record in
            record.streamBytes.elementsEqual(stream) && record.typeBytes.elementsEqual(type) && record.payloadBytes.elementsEqual(payload)
        }
        guard identical == true else {
            let name = String(decoding: stream, as: UTF8.self)
            throw EventStoreError(.idConflict, "event \(String(decoding: id, as: UTF8.self)) is already stored (seq \(seq)) with different content",
                                  stream: try? StreamID(name), position: GlobalPosition(seq))
        }
    }

    func put(_ value: UInt64, forKey key: UInt64, options: PutOptions, _ cursor: borrowing Cursor) throws {
        try withKey(key) { k in try withKey(value) { v in try cursor.put(v, forKey: k, options: options) } }
    }

    func put(_ value: UInt64, forKey key: UInt64, in db: Database, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        try withKey(key) { k in try withKey(value) { v in try txn.put(v, forKey: k, in: db, options: options) } }
    }

    /// The last key of `db`, copied, or nil when it is empty.
    func lastKey(of db: Database, _ txn: borrowing WriteTransaction) throws -> [UInt8]? {
        try txn.withCursor(on: db) { cursor in try cursor.move(to: .last) { key, _ in Array(key) } }
    }

    func putStreamHead(_ stream: StreamID, _ streamHead: StreamHead, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        var name = stream.name
        try name.withUTF8 { utf8 in try putStreamHead(UnsafeRawBufferPointer(utf8), streamHead, options: options, txn) }
    }

    func putStreamHead(_ name: UnsafeRawBufferPointer, _ streamHead: StreamHead, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        try streamHead.withBytes { bytes in try txn.put(bytes, forKey: name, in: tables.streams, options: options) }
    }
}
