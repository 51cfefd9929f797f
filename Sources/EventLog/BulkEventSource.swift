/// What a bulk source may ask the store while it loads: the events already stored in a stream,
/// or the event stored under an id (its UTF-8 bytes). Answers include what this load appended so far.
/// Or it tells the store that it numbers streams from 0 again (``BulkEvent/streamSlot``).
public enum BulkLookup {
    case stream(StreamID)
    case event(id: UnsafeRawBufferPointer)
    /// The store forgets its stream slots (after writing what it collected); answered `.events([])`.
    case restartSlots
}

@available(*, unavailable, message: "a lookup lends the source's bytes, valid only during the call")
extension BulkLookup: Sendable {}

public enum BulkLookupResult: Sendable, Hashable {
    case events([RecordedEvent])
    case event(RecordedEvent?)
}

/// Fields a replica import must reproduce exactly (integrity.md, "Replicas").
public struct ReplicaFields: Sendable, Hashable {
    public let position: GlobalPosition
    public let version: StreamVersion
    public let recorded: RecordedTime
    public let hash: EventHash

    public init(position: GlobalPosition, version: StreamVersion, recorded: RecordedTime, hash: EventHash) {
        self.position = position
        self.version = version
        self.recorded = recorded
        self.hash = hash
    }
}

/// One event of a bulk load, lent by its source as bytes in place: the buffers are valid until
/// the source's next call. A load of millions of events thus needs no strings or arrays per
/// event on the store's side.
public struct BulkEvent {
    /// The event id, stream name and type (each 1 to 255 bytes of UTF-8) and the payload.
    public let id: UnsafeRawBufferPointer
    public let stream: UnsafeRawBufferPointer
    public let type: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer
    /// The source's number for the stream, the same for every event of the stream until the
    /// source asks ``BulkLookup/restartSlots``: small numbers (0, 1, 2, … as streams appear; some
    /// may never reach the store), so that the store keeps what it knows of each stream in an
    /// array indexed by it rather than a dictionary keyed by names.
    public let streamSlot: Int
    /// For a replica import: what the store must assign (it checks, and uses `recorded`).
    public let replica: ReplicaFields?
    /// True only when the source asked ``BulkLookup/event(id:)`` for this id in the same call to
    /// ``BulkEventSource/next(_:)`` and was told nothing is stored: the store then skips
    /// looking again.
    public let isKnownNew: Bool

    public init(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                payload: UnsafeRawBufferPointer, streamSlot: Int, replica: ReplicaFields? = nil, isKnownNew: Bool = false) {
        self.id = id
        self.stream = stream
        self.type = type
        self.payload = payload
        self.streamSlot = streamSlot
        self.replica = replica
        self.isKnownNew = isKnownNew
    }
}

@available(*, unavailable, message: "a bulk event lends its source's bytes, valid only until the source's next call")
extension BulkEvent: Sendable {}

/// A producer of events for a bulk load, pulled by the store inside its write transaction, so
/// that a validating importer can throw at any line and the whole load is abandoned, and can
/// ask the store what is stored already.
///
/// The store may pull a source more than once: it calls ``rewind()`` and starts again when the
/// load must be redone (LMDB: the map had to grow). ``BulkEvent/streamSlot`` numbers and
/// ``BulkLookup/restartSlots`` let a store keep per-stream state in arrays; a store that keeps
/// none ignores the slots and answers the restart with no events.
public protocol BulkEventSource: Sendable {
    /// About how many bytes of events it holds, to size the map once (0: unknown).
    var estimatedBytes: Int { get }
    /// Whether it will ask ``BulkLookup/event(id:)``, said up front so that the store keeps the
    /// load's ids from the start (a validating importer does; a replay of known events need not).
    var asksAboutIDs: Bool { get }
    /// Goes back to the first event; stream slots start again from 0.
    mutating func rewind() throws
    /// The next event, or nil at the end. Throwing abandons the load: nothing is stored.
    mutating func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent?
}

/// A bulk source over an in-memory sequence of events (re-iterable).
public struct SequenceSource<S: Sequence & Sendable>: BulkEventSource
where S.Element == (StreamID, ProposedEvent), S.Iterator: Sendable {
    private let events: S
    private var iterator: S.Iterator
    private var slots = StreamSlotTable()
    /// The current event's bytes, which the store borrows until the next call.
    private let current = ByteArena()

    public init(_ events: S) {
        self.events = events
        iterator = events.makeIterator()
    }

    public var estimatedBytes: Int { events.underestimatedCount * 250 }
    public var asksAboutIDs: Bool { false }

    public mutating func rewind() {
        iterator = events.makeIterator()
        slots = StreamSlotTable()
    }

    public mutating func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) -> BulkEvent? {
        guard let (stream, event) = iterator.next() else { return nil }
        current.removeAll()
        let id = current.append(event.id.value.utf8), name = current.append(stream.name.utf8)
        let type = current.append(event.type.utf8), payload = current.append(event.payload)
        return BulkEvent(id: current.bytes(id), stream: current.bytes(name), type: current.bytes(type),
                         payload: current.bytes(payload), streamSlot: slots.slot(assigning: current.bytes(name), hash: stream.nameHash))
    }

}

/// Numbers streams 0, 1, 2, … in order of first appearance (``BulkEvent/streamSlot``), by the
/// bytes of their names: an open-addressing table of FNV-1a 64 hashes (``StreamID/nameHash``,
/// which a parser computes on its own thread), with the names kept in one arena. Used by one
/// thread at a time (a bulk source, pulled by the store's writer).
public final class StreamSlotTable: @unchecked Sendable {
    /// Each name as its length (one byte: names are 1 to 255 bytes) and its bytes.
    private let names = ByteArena(capacity: 1 << 16)
    /// Per bucket: the name's hash, its slot + 1 (0: empty) and where the name is in `names`:
    /// a probe reads one bucket and then the name, nothing else.
    private var buckets = [(hash: UInt64, entry: UInt32, name: UInt32)](repeating: (0, 0, 0), count: 1024)
    public private(set) var count = 0

    public init() {}

    /// The slot of the stream named `name` (with `hash` = ``fnv1a64(_:)`` of it), or nil.
    public func slot(of name: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let (slot, _) = find(name, hash)
        return slot
    }

    /// The slot of the stream named `name` (1 to 255 bytes), given the next one (``count``)
    /// when it has none.
    public func slot(assigning name: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        precondition((1...255).contains(name.count), "stream names are 1 to 255 bytes")
        let (slot, bucket) = find(name, hash)
        if let slot { return slot }
        let offset = names.append(count: 1) { $0.storeBytes(of: UInt8(name.count), as: UInt8.self) }.lowerBound
        precondition(offset < Int(UInt32.max) - 256, "a slot table holds at most 4 GiB of names")
        names.append(name)
        count += 1
        buckets[bucket] = (hash, UInt32(count), UInt32(truncatingIfNeeded: offset))
        if count * 2 > buckets.count { grow() }
        return count - 1
    }

    private func start(_ hash: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask }

    private func find(_ name: UnsafeRawBufferPointer, _ hash: UInt64) -> (slot: Int?, bucket: Int) {
        let mask = buckets.count - 1
        var bucket = start(hash, mask)
        while true {
            let (stored, entry, offset) = buckets[bucket]
            if entry == 0 { return (nil, bucket) }
            if stored == hash, names.bytes(Int(offset)..<Int(offset) + 1)[0] == name.count,
               names.bytes(Int(offset) + 1..<Int(offset) + 1 + name.count).elementsEqual(name) {
                return (Int(entry) - 1, bucket)
            }
            bucket = (bucket + 1) & mask
        }
    }

    private func grow() {
        let old = buckets
        buckets = [(hash: UInt64, entry: UInt32, name: UInt32)](repeating: (0, 0, 0), count: old.count * 2)
        let mask = buckets.count - 1
        for item in old where item.entry != 0 {
            var bucket = start(item.hash, mask)
            while buckets[bucket].entry != 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = item
        }
    }
}

/// A growable buffer of bytes at a stable address between appends that do not outgrow it,
/// for sources that lend bytes (``BulkEvent``). Used by one thread at a time.
public final class ByteArena: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        base = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// Appends `bytes` and returns where they are (offset and count).
    @discardableResult
    public func append(_ bytes: some Collection<UInt8>) -> Range<Int> {
        reserve(bytes.count)
        let start = count
        if let copied = bytes.withContiguousStorageIfAvailable({ UnsafeMutableRawBufferPointer(start: base + start, count: $0.count).copyMemory(from: UnsafeRawBufferPointer($0)) }) {
            _ = copied
        } else {
            var offset = start
            for byte in bytes { base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self); offset += 1 }
        }
        count += bytes.count
        return start..<count
    }

    /// Appends `n` bytes written by `fill`.
    @discardableResult
    public func append(count n: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Range<Int> {
        reserve(n)
        let start = count
        fill(UnsafeMutableRawBufferPointer(start: base + start, count: n))
        count += n
        return start..<count
    }

    /// The bytes at `range`, valid until the next append that grows the arena, or ``removeAll()``.
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    public func removeAll() { count = 0 }

    private func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var grown = capacity * 2
        while grown < count + n { grown *= 2 }
        let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
        moved.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = moved
        capacity = grown
    }
}

/// A store that loads from a ``BulkEventSource`` in one atomic transaction.
public protocol BulkLoading: Sendable {
    func bulkLoad<Source: BulkEventSource>(from source: Source) async throws -> (result: AppendResult, source: Source)
}
