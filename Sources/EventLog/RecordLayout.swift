import Crypto

/// The stored record: the compact, versioned binary encoding of one event as the log keeps it,
/// which is also the canonical encoding the hash chain covers.
///
/// Format 1 (all integers big-endian; lengths in bytes of UTF-8):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | format, `1` |
/// | 1 | 8 | `seq` (global position) |
/// | 9 | 8 | `version` in the stream |
/// | 17 | 8 | `recorded`, signed microseconds since 1970-01-01T00:00:00Z |
/// | 25 | 32 | hash of the stream's previous event (zeros for version 1) |
/// | 57 | 1 + n | id length n (1–255), id |
/// | | 1 + n | stream length n (1–255), stream |
/// | | 1 + n | type length n (1–255), type |
/// | | 4 + n | payload length n, payload |
/// | end − 32 | 32 | `hash` = SHA-256(previous event's `hash` ‖ every byte before this field) |
///
/// The previous event's hash is 32 zero bytes for seq 1. So the hash covers seq, version,
/// recorded, the per-stream link and every field, and an outside program can recompute the chain
/// from the stored bytes, or from an export by re-encoding (see `StoredRecordFormat.md`).
public enum RecordLayout: Sendable {
    /// The current format byte.
    public static let format: UInt8 = 1
    /// Bytes before the id.
    public static let headerSize = 57
    /// Bytes of a record that carries empty strings and payload (lengths and hashes only).
    public static let fixedOverhead = headerSize + 1 + 1 + 1 + 4 + 32
    /// The largest payload a record holds.
    public static let maximumPayload = 16 << 20

    static func checkShortField(_ value: String, field: String) throws(EventStoreError) {
        let count = value.utf8.count
        guard (1...255).contains(count) else {
            throw EventStoreError(.invalidEvent, "\(field) must be 1 to 255 bytes of UTF-8, got \(count)")
        }
    }

    /// The size of the record for fields of these lengths in bytes.
    public static func size(idCount: Int, streamCount: Int, typeCount: Int, payloadCount: Int) -> Int {
        fixedOverhead + idCount + streamCount + typeCount + payloadCount
    }

    /// The size of the record for these fields.
    public static func size(id: EventID, stream: StreamID, type: String, payloadCount: Int) -> Int {
        size(idCount: id.value.utf8.count, streamCount: stream.name.utf8.count, typeCount: type.utf8.count, payloadCount: payloadCount)
    }

    /// The size of the record for `event` in `stream`.
    public static func size(of event: ProposedEvent, in stream: StreamID) -> Int {
        size(id: event.id, stream: stream, type: event.type, payloadCount: event.payload.count)
    }

    /// Encodes a record into `buffer` (exactly ``size(of:in:)`` bytes), computes its hash over
    /// `previousHash` and the encoded bytes, stores it at the end and returns it.
    @discardableResult
    public static func encode(_ event: ProposedEvent, stream: StreamID, position: GlobalPosition,
                              version: StreamVersion, recorded: RecordedTime, previousInStream: EventHash,
                              previousHash: EventHash, into buffer: UnsafeMutableRawBufferPointer) -> EventHash {
        precondition(buffer.count == size(of: event, in: stream), "record buffer of the wrong size")
        return event.withBytes { id, type, payload in
            var name = stream.name
            return name.withUTF8 { name in
                encode(id: id, stream: UnsafeRawBufferPointer(name), type: type, payload: payload, position: position, version: version,
                       recorded: recorded, previousInStream: previousInStream, previousHash: previousHash, into: buffer)
            }
        }
    }

    /// Encodes a record from its fields' bytes (each short field 1 to 255 bytes) into `buffer` of
    /// exactly ``size(idCount:streamCount:typeCount:payloadCount:)`` bytes; returns its hash.
    @discardableResult
    public static func encode(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                              payload: UnsafeRawBufferPointer, position: GlobalPosition, version: StreamVersion,
                              recorded: RecordedTime, previousInStream: EventHash, previousHash: EventHash,
                              into buffer: UnsafeMutableRawBufferPointer) -> EventHash {
        precondition(buffer.count == size(idCount: id.count, streamCount: stream.count, typeCount: type.count, payloadCount: payload.count),
                     "record buffer of the wrong size")
        buffer.storeBytes(of: format, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: position.rawValue.bigEndian, toByteOffset: 1, as: UInt64.self)
        buffer.storeBytes(of: version.rawValue.bigEndian, toByteOffset: 9, as: UInt64.self)
        buffer.storeBytes(of: recorded.rawValue.bigEndian, toByteOffset: 17, as: Int64.self)
        previousInStream.store(into: buffer, at: 25)
        var offset = headerSize
        func short(_ field: UnsafeRawBufferPointer) {
            buffer.storeBytes(of: UInt8(field.count), toByteOffset: offset, as: UInt8.self)
            UnsafeMutableRawBufferPointer(rebasing: buffer[(offset + 1)...]).copyMemory(from: field)
            offset += 1 + field.count
        }
        short(id)
        short(stream)
        short(type)
        buffer.storeBytes(of: UInt32(payload.count).bigEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
        UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]).copyMemory(from: payload)
        offset += payload.count
        let hash = chainHash(previous: previousHash, body: UnsafeRawBufferPointer(rebasing: buffer[..<offset]))
        hash.store(into: buffer, at: offset)
        return hash
    }

    /// Encodes a record into a new array (for tests, exports and other backends).
    public static func encode(_ event: ProposedEvent, stream: StreamID, position: GlobalPosition,
                              version: StreamVersion, recorded: RecordedTime, previousInStream: EventHash,
                              previousHash: EventHash) -> [UInt8] {
        let count = size(of: event, in: stream)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            encode(event, stream: stream, position: position, version: version, recorded: recorded,
                   previousInStream: previousInStream, previousHash: previousHash,
                   into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// SHA-256(previous ‖ body): one link of the chain.
    public static func chainHash(previous: EventHash, body: UnsafeRawBufferPointer) -> EventHash {
        var hasher = SHA256()
        withUnsafeBytes(of: previous) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return hasher.finalize().withUnsafeBytes { EventHash(bytes: $0) }
    }
}

/// A stored record read in place: field access without copying, valid only while its bytes are.
///
/// The store lends views to closures during scans; decode with ``decode()`` to keep an event.
public struct RecordView: ~Copyable {
    /// The record's bytes, hash included.
    public let bytes: UnsafeRawBufferPointer
    private let idRange: Range<Int>, streamRange: Range<Int>, typeRange: Range<Int>, payloadRange: Range<Int>

    /// Checks the record's framing (format, lengths) and returns a view.
    ///
    /// - Throws: ``EventStoreError`` `.corruptRecord` naming `position` (where it was found) when
    ///   the format byte is unknown or a length runs past the end.
    public init(bytes: UnsafeRawBufferPointer, at position: GlobalPosition) throws(EventStoreError) {
        func corrupt(_ why: String) -> EventStoreError {
            EventStoreError(.corruptRecord, "record at seq \(position): \(why)", position: position)
        }
        guard bytes.count >= RecordLayout.fixedOverhead else { throw corrupt("\(bytes.count) bytes is too short") }
        guard bytes[0] == RecordLayout.format else { throw corrupt("unknown format \(bytes[0])") }
        var offset = RecordLayout.headerSize
        func short() throws(EventStoreError) -> Range<Int> {
            guard offset < bytes.count else { throw corrupt("field length past the end") }
            let count = Int(bytes[offset])
            guard count > 0, offset + 1 + count <= bytes.count else { throw corrupt("field length \(count) at byte \(offset) is invalid") }
            defer { offset += 1 + count }
            return (offset + 1)..<(offset + 1 + count)
        }
        let idRange = try short()
        let streamRange = try short()
        let typeRange = try short()
        guard offset + 4 <= bytes.count else { throw corrupt("payload length past the end") }
        let count = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        offset += 4
        guard offset + Int(count) + 32 == bytes.count else {
            throw corrupt("payload length \(count) does not match the record size \(bytes.count)")
        }
        self.payloadRange = offset..<(offset + Int(count))
        (self.idRange, self.streamRange, self.typeRange) = (idRange, streamRange, typeRange)
        self.bytes = bytes
    }

    // The header's presence was checked in `init`.
    public var position: GlobalPosition { GlobalPosition(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self))) }
    public var version: StreamVersion { StreamVersion(UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self))) }
    public var recorded: RecordedTime { RecordedTime(rawValue: Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: 17, as: Int64.self))) }
    public var previousInStream: EventHash { EventHash(bytes: bytes, at: 25) }
    public var hash: EventHash { EventHash(bytes: bytes, at: bytes.count - 32) }
    public var idBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[idRange]) }
    public var streamBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[streamRange]) }
    public var typeBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[typeRange]) }
    public var payloadBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[payloadRange]) }
    /// The event id's text (``EventID/value``).
    public var idValue: String { Self.text(idBytes) }
    /// The stream's name (``StreamID/name``).
    public var streamName: String { Self.text(streamBytes) }
    /// The event type.
    public var type: String { Self.text(typeBytes) }

    /// Bytes as UTF-8 text, through the standard library's fast path for bytes.
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// The bytes the hash covers (after the previous event's hash).
    public var hashedBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 32)]) }

    /// The hash this record should have after `previous`.
    public func expectedHash(after previous: EventHash) -> EventHash {
        RecordLayout.chainHash(previous: previous, body: hashedBytes)
    }

    /// The event as an owned value.
    public func decode() -> RecordedEvent {
        RecordedEvent(
            position: position,
            stream: StreamID(unchecked: streamName),
            version: version,
            recorded: recorded,
            id: EventID(unchecked: idValue),
            type: type,
            payload: Array(payloadBytes),
            hash: hash,
            previousInStream: previousInStream)
    }
}

@available(*, unavailable, message: "a record view points into storage that is valid only in its closure")
extension RecordView: Sendable {}
