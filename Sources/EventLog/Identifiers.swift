import Glibc

/// A position in the global log: the `seq` of an event, 1, 2, 3, … without gaps.
public struct GlobalPosition: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    /// The position of the first event of every log.
    public static let first = GlobalPosition(1)

    public var next: GlobalPosition { GlobalPosition(rawValue + 1) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// The position of an event within its stream: its `version`, 1, 2, 3, …
/// A stream that has no events is at version 0 (``none``).
public struct StreamVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    /// The version of a stream with no events.
    public static let none = StreamVersion(0)

    public var next: StreamVersion { StreamVersion(rawValue + 1) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// The name of a stream (for dossiers: the dossier code), 1 to 255 bytes of UTF-8.
public struct StreamID: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    /// FNV-1a 64 of the name, computed once where the id is made (often a parser's thread), so
    /// the writer's per-stream dictionaries hash 8 bytes instead of the whole name.
    public let nameHash: UInt64

    /// - Throws: ``EventStoreError`` `.invalidEvent` when the name is empty or longer than 255 bytes.
    public init(_ name: String) throws(EventStoreError) {
        try RecordLayout.checkShortField(name, field: "stream")
        self.init(unchecked: name)
    }

    init(unchecked name: String) {
        self.name = name
        nameHash = fnv1a64(name.utf8)
    }

    public static func == (a: StreamID, b: StreamID) -> Bool { a.nameHash == b.nameHash && a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(nameHash) }
    public var description: String { name }
}

/// FNV-1a, 64 bits: a fast, stable (never seeded) hash of bytes.
public func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    return hash
}

/// The idempotency key of an event, 1 to 255 bytes of UTF-8, unique in the whole log.
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// - Throws: ``EventStoreError`` `.invalidEvent` when the id is empty or longer than 255 bytes.
    public init(_ value: String) throws(EventStoreError) {
        try RecordLayout.checkShortField(value, field: "id")
        self.value = value
    }

    init(unchecked value: String) { self.value = value }
    public var description: String { value }
}

/// A SHA-256 hash of the chain, 32 bytes.
public struct EventHash: Hashable, Sendable, CustomStringConvertible {
    // The 32 bytes in memory order, kept inline (no heap allocation).
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// 32 zero bytes: the "previous hash" of seq 1 and of each stream's first event.
    public static let zero = EventHash(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Reads 32 bytes at `offset`; `bytes` must hold them.
    public init(bytes: UnsafeRawBufferPointer, at offset: Int = 0) {
        precondition(offset >= 0 && offset + 32 <= bytes.count, "EventHash needs 32 bytes")
        w0 = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        w1 = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
        w2 = bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)
        w3 = bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = EventHash.nibble(digits[2 * i]), let lo = EventHash.nibble(digits[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self = bytes.withUnsafeBytes { EventHash(bytes: $0) }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Writes the 32 bytes at `offset`.
    public func store(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 32 <= buffer.count, "EventHash needs 32 bytes")
        buffer.storeBytes(of: w0, toByteOffset: offset, as: UInt64.self)
        buffer.storeBytes(of: w1, toByteOffset: offset + 8, as: UInt64.self)
        buffer.storeBytes(of: w2, toByteOffset: offset + 16, as: UInt64.self)
        buffer.storeBytes(of: w3, toByteOffset: offset + 24, as: UInt64.self)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            store(into: UnsafeMutableRawBufferPointer(buffer), at: 0)
            count = 32
        }
    }

    /// 64 lowercase hexadecimal digits.
    public var hex: String { bytes.hexDigits }

    public var description: String { hex }
}

/// An instant in microseconds since 1970-01-01T00:00:00Z: when the store recorded an event.
public struct RecordedTime: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(microsecondsSinceEpoch: Int64) { self.rawValue = microsecondsSinceEpoch }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The current wall-clock time (`CLOCK_REALTIME`).
    public static func now() -> RecordedTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return RecordedTime(rawValue: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    /// Microseconds since the epoch, e.g. `1741054320000123 µs`. (The dossier domain shows
    /// instants as local dates and times; the store does not need a calendar.)
    public var description: String { "\(rawValue) µs" }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal digits, two per byte.
    public var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
