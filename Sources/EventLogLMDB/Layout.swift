import EventLog
import LedgerLMDB

/// The named databases of an LMDB event store and their key and value formats.
///
/// | database | key | value |
/// |---|---|---|
/// | `log` | seq, u64 big-endian | the stored record (``RecordLayout``, format 1) |
/// | `ids` (sorted duplicates, fixed size) | FNV-1a 64 of the event id's UTF-8, u64 big-endian | seq, u64 big-endian, one per event whose id has this hash |
/// | `streams` | stream name, UTF-8 | stream number u32, version u64, hash of the last event (32 bytes): 44 bytes |
/// | `stream_index` | stream number u32 ‖ version u32 | seq, u64 big-endian |
/// | `merkle` | stored index, u64 big-endian (``MerkleTree/storedIndex(level:index:)``) | the complete subtree's hash, 32 bytes |
///
/// Stream numbers are 1, 2, 3, … in order of each stream's first event; they keep the per-stream
/// index small (8-byte keys) whatever the length of stream names. The id index is keyed by a
/// 64-bit hash of the id for the same reason: 8-byte keys whatever the id's length. Two ids with
/// the same hash are both kept (sorted duplicates); a lookup compares the ids of the records. All integers are big-endian,
/// so byte order is numeric order and `MDB_APPEND` applies to the log. Limits that follow:
/// 4,294,967,295 streams, and as many events per stream.
enum Layout {
    static let log = Database.Specification("log")
    static let ids = Database.Specification("ids", options: [.create, .duplicateSort, .duplicateFixed])
    static let streams = Database.Specification("streams")
    static let streamIndex = Database.Specification("stream_index")
    static let merkle = Database.Specification("merkle")
    static let all = [log, ids, streams, streamIndex, merkle]

    static let streamHeadSize = 44
}

/// The opened databases.
struct Tables: Sendable {
    let log: Database
    let ids: Database
    let streams: Database
    let streamIndex: Database
    let merkle: Database

    init(_ databases: [Database]) {
        precondition(databases.count == 5, "Layout.all opens five databases")
        (log, ids, streams, streamIndex, merkle) = (databases[0], databases[1], databases[2], databases[3], databases[4])
    }
}

/// A stream's number, version and last hash, as kept in `streams`.
struct StreamHead {
    var number: UInt32
    var version: StreamVersion
    var hash: EventHash

    init(number: UInt32, version: StreamVersion, hash: EventHash) {
        self.number = number
        self.version = version
        self.hash = hash
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Layout.streamHeadSize else { return nil }
        number = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        version = StreamVersion(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self)))
        hash = EventHash(bytes: bytes, at: 12)
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(byteCount: Layout.streamHeadSize, alignment: 1) { buffer in
            buffer.storeBytes(of: number.bigEndian, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: version.rawValue.bigEndian, toByteOffset: 4, as: UInt64.self)
            hash.store(into: buffer, at: 12)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }
}

/// An 8-byte big-endian key on the stack.
@inline(__always)
func withKey<R>(_ value: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(of: value.bigEndian, body)
}

/// The `ids` key of an event id: FNV-1a 64 over its UTF-8 bytes. Part of the on-disk format:
/// never change it.
func idKey(_ id: EventID) -> UInt64 {
    fnv1a64(id.value.utf8)
}

/// The `stream_index` key of a stream's version.
@inline(__always)
func streamIndexKey(number: UInt32, version: UInt64) -> UInt64 {
    UInt64(number) << 32 | (version & 0xffff_ffff)
}

@inline(__always)
func loadSeq(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
    guard bytes.count == 8 else { return nil }
    return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
}

extension Transaction {
    /// The stored record at `seq`, handed to `body` as a view.
    func withRecord<R>(at seq: UInt64, in tables: Tables, _ body: (borrowing RecordView) throws -> R) throws -> R? {
        try withKey(seq) { key in
            try withValue(forKey: key, in: tables.log) { bytes in
                try body(try RecordView(bytes: bytes, at: GlobalPosition(seq)))
            }
        }
    }

    /// The head kept in `streams` for `stream`, or `nil` for a stream with no events.
    func streamHead(_ stream: String, in tables: Tables) throws -> StreamHead? {
        var name = stream
        return try name.withUTF8 { utf8 in try streamHead(name: UnsafeRawBufferPointer(utf8), in: tables) }
    }

    /// The head kept in `streams` for the stream with this UTF-8 name, or `nil`.
    func streamHead(name: UnsafeRawBufferPointer, in tables: Tables) throws -> StreamHead? {
        try withValue(forKey: name, in: tables.streams) { bytes in
            guard let head = StreamHead(bytes) else {
                throw EventStoreError(.corruptRecord, "stream \(String(decoding: name, as: UTF8.self)): head entry of \(bytes.count) bytes")
            }
            return head
        }
    }

    /// The seq of the event with `id`, or `nil`: the values under the id's hash whose record
    /// carries this id.
    func position(ofID id: EventID, in tables: Tables) throws -> UInt64? {
        var text = id.value
        return try text.withUTF8 { bytes in try position(ofID: UnsafeRawBufferPointer(bytes), key: idKey(id), in: tables) }
    }

    /// ``position(ofID:in:)`` for the id with these UTF-8 bytes and ``idKey(_:)`` `key`.
    func position(ofID id: UnsafeRawBufferPointer, key: UInt64, in tables: Tables) throws -> UInt64? {
        try withCursor(on: tables.ids) { cursor in
            var step = Cursor.Position.exactly(LedgerLMDB.BigEndian.bytes(key))
            while let seq = try cursor.move(to: step, { _, value in loadSeq(value) }) {
                let text = String(decoding: id, as: UTF8.self)
                guard let seq else { throw EventStoreError(.corruptRecord, "event \(text): id index entry is not 8 bytes") }
                let matches = try withRecord(at: seq, in: tables) { $0.idBytes.elementsEqual(id) }
                guard let matches else {
                    throw EventStoreError(.corruptRecord, "event \(text): the id index names seq \(seq), which is missing", position: GlobalPosition(seq))
                }
                if matches { return seq }
                step = .nextDuplicate
            }
            return nil
        }
    }

    /// The log's last event, or `nil` when it is empty.
    func logHead(in tables: Tables) throws -> LogHead? {
        try withCursor(on: tables.log) { cursor in
            try cursor.move(to: .last) { key, value in
                guard let seq = loadSeq(key) else {
                    throw EventStoreError(.corruptRecord, "log key of \(key.count) bytes")
                }
                let view = try RecordView(bytes: value, at: GlobalPosition(seq))
                return LogHead(position: GlobalPosition(seq), hash: view.hash, recorded: view.recorded)
            }
        }
    }
}
