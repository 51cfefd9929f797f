import Dispatch
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
    /// Immediate mode: streams touched in this transaction, written to `streams` by ``finish(_:)``.
    private var touched: [StreamID: StreamHead] = [:]
    /// Bulk mode: what is known of each stream slot (``BulkEvent/streamSlot``) since the last
    /// flush, the slots whose head changed since then, and the slots' names.
    private var slots: [Slot] = []
    private var dirtySlots: [Int] = []
    private let slotNames = ByteArena()
    private var streamCount: UInt32
    private var deferredStreamIndex: [(key: UInt64, seq: UInt64)] = []
    private var deferredIDs: [(key: UInt64, seq: UInt64)] = []
    /// Bulk mode: the first seq under each id hash of the events appended since the last flush,
    /// and any further ones (a hash shared by different ids).
    private var loadIDs: LoadIDTable
    private var sharedHashes: [UInt64: [UInt64]] = [:]
    /// Bulk mode: the id hashes this load has flushed, so that an id found in neither this
    /// filter nor `loadIDs` needs no lookup in the `ids` database (when it held nothing before).
    private var flushedIDs: IDFilter
    /// Whether `ids` held anything when the transaction began; immediate mode: whether `streams`
    /// held nothing (no head to look up).
    private let idsBefore: Bool
    private let emptyStreams: Bool
    /// Bulk mode: whether a stream new to the slots may be in `streams` already: it held
    /// streams before the load, or the slots were restarted (a stream of this load written
    /// before keeps its slot until then).
    private var slotsMayBeStored: Bool
    /// Bulk mode: events appended since the last flush of the deferred entries.
    private var pending = 0
    /// Bulk mode flushes its deferred entries (and forgets the ids it kept) every so many
    /// events, so memory stays bounded however large the load.
    let flushInterval: Int

    /// - Parameter expectedEvents: about how many events a bulk load brings (sizes its id filter).
    init(_ txn: borrowing WriteTransaction, tables: Tables, mode: Mode = .immediate, flushInterval: Int = 1 << 20,
         expectedEvents: Int = 0, clock: @escaping @Sendable () -> RecordedTime) throws {
        self.flushInterval = flushInterval
        let head = try txn.logHead(in: tables)
        let streamCount = UInt32(try txn.statistics(of: tables.streams).entries)
        idsBefore = try txn.statistics(of: tables.ids).entries > 0
        // Ordinary appends use none of the bulk tables: they get the smallest.
        if case .bulk = mode {
            loadIDs = LoadIDTable(buckets: 1 << 16)
            flushedIDs = IDFilter(expected: expectedEvents)
            deferredIDs.reserveCapacity(min(expectedEvents, flushInterval))
            deferredStreamIndex.reserveCapacity(min(expectedEvents, flushInterval))
        } else {
            loadIDs = LoadIDTable(buckets: 1)
            flushedIDs = IDFilter(expected: 0)
        }
        emptyStreams = streamCount == 0
        slotsMayBeStored = streamCount > 0
        self.tables = tables
        self.clock = clock
        self.mode = mode
        self.head = head
        self.streamCount = streamCount
    }

    /// The version of each stream written in this transaction (not kept by bulk loads: a
    /// load of millions of streams would keep them all in memory).
    var streamVersions: [StreamID: StreamVersion] { touched.mapValues(\.version) }

    /// A bulk load's stream: its head and where its name is in `slotNames` (nil: a slot the
    /// source numbered but no event of it reached the store yet).
    private struct Slot {
        var head: StreamHead
        var name: Range<Int>?
        var isDirty = false
    }

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
        var text = id.value
        return try text.withUTF8 { bytes in try position(ofID: UnsafeRawBufferPointer(bytes), key: idKey(id), txn) }
    }

    /// The seq of the event whose id has these UTF-8 bytes, stored before this transaction or in it.
    func position(ofID id: UnsafeRawBufferPointer, _ txn: borrowing WriteTransaction) throws -> UInt64? {
        try position(ofID: id, key: fnv1a64(id), txn)
    }

    /// The seq of the event whose id has these bytes and ``idKey(_:)`` `key`.
    private func position(ofID id: UnsafeRawBufferPointer, key: UInt64, _ txn: borrowing WriteTransaction) throws -> UInt64? {
        if case .bulk = mode {
            if let first = loadIDs.seq(forKey: key) {
                func matches(_ seq: UInt64) throws -> Bool { try txn.withRecord(at: seq, in: tables) { $0.idBytes.elementsEqual(id) } == true }
                if try matches(first) { return first }
                for seq in sharedHashes[key] ?? [] where try matches(seq) { return seq }
            }
            if !idsBefore && !flushedIDs.mayContain(key) { return nil }
        }
        return try txn.position(ofID: id, key: key, in: tables)
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

    /// Immediate mode: writes one checked event; returns `false` when an identical event with
    /// its id is stored already (a duplicate).
    ///
    /// - Throws: ``EventStoreError`` `.idConflict` for the id stored with other content.
    mutating func append(_ event: ProposedEvent, to stream: StreamID, _ txn: borrowing WriteTransaction) throws -> Bool {
        let position = (head?.position.rawValue ?? 0) + 1
        guard try insertID(event, in: stream, at: position, txn) else { return false }
        // One dictionary lookup for the stream's head, reused for the update below.
        let slot = touched.index(forKey: stream)
        var streamHead: StreamHead
        if let slot {
            streamHead = touched.values[slot]
        } else if !emptyStreams, let stored = try txn.streamHead(stream.name, in: tables) {
            streamHead = stored
        } else {
            streamHead = try newStreamHead()
        }
        let version = try event.withBytes { id, type, payload in
            var name = stream.name
            return try name.withUTF8 { name in
                try writeRecord(id: id, stream: UnsafeRawBufferPointer(name), type: type, payload: payload,
                                at: position, streamHead: &streamHead, replica: nil, txn)
            }
        }
        try put(position, forKey: streamIndexKey(number: streamHead.number, version: version), in: tables.streamIndex, options: .noOverwrite, txn)
        if let slot { touched.values[slot] = streamHead } else { touched[stream] = streamHead }
        return true
    }

    /// Bulk mode: writes one event with expected version `.any`, deferring its index entries;
    /// returns `false` when an identical event with its id is stored already (a duplicate).
    ///
    /// - Throws: ``EventStoreError`` `.idConflict` for the id stored with other content,
    ///   `.replicaMismatch` when a replica's fields differ from what the store assigns.
    mutating func append(_ event: BulkEvent, _ txn: borrowing WriteTransaction) throws -> Bool {
        func checkShort(_ bytes: UnsafeRawBufferPointer, _ field: String) throws {
            guard (1...255).contains(bytes.count) else {
                throw EventStoreError(.invalidEvent, "\(field) must be 1 to 255 bytes of UTF-8, got \(bytes.count)")
            }
        }
        try checkShort(event.id, "id")
        try checkShort(event.stream, "stream")
        try checkShort(event.type, "type")
        guard event.payload.count <= RecordLayout.maximumPayload else {
            throw EventStoreError(.invalidEvent, "event \(String(decoding: event.id, as: UTF8.self)): payload of \(event.payload.count) bytes exceeds \(RecordLayout.maximumPayload)")
        }
        let position = (head?.position.rawValue ?? 0) + 1
        if let replica = event.replica, replica.position.rawValue != position {
            throw EventStoreError(.replicaMismatch, "event \(String(decoding: event.id, as: UTF8.self)): the export says seq \(replica.position), the replica is at seq \(position)",
                                  position: GlobalPosition(position))
        }
        let slot = event.streamSlot
        guard slot >= 0 && slot <= slots.count + (1 << 20) else {
            throw EventStoreError(.invalidEvent, "stream slot \(slot): a bulk source numbers streams 0, 1, 2, … as they appear")
        }
        let key = fnv1a64(event.id)
        if !event.isKnownNew, let stored = try self.position(ofID: event.id, key: key, txn) {
            try checkDuplicate(id: event.id, stream: event.stream, type: event.type, payload: event.payload, storedAt: stored, txn)
            return false
        }
        // Only an event that is stored gives its stream a head (and a new stream its number).
        if slot >= slots.count { slots.append(contentsOf: repeatElement(Slot(head: StreamHead(number: 0, version: .none, hash: .zero)), count: slot + 1 - slots.count)) }
        if slots[slot].name == nil {
            let stored = slotsMayBeStored ? try txn.streamHead(name: event.stream, in: tables) : nil
            slots[slot].head = try stored ?? newStreamHead()
            slots[slot].name = slotNames.append(event.stream)
        }
        if case .bulk(trackIDs: true) = mode {
            if loadIDs.insert(position, forKey: key) != nil { sharedHashes[key, default: []].append(position) }
        }
        deferredIDs.append((key, position))
        pending += 1
        var streamHead = slots[slot].head
        let version = try writeRecord(id: event.id, stream: event.stream, type: event.type, payload: event.payload,
                                      at: position, streamHead: &streamHead, replica: event.replica, txn)
        slots[slot].head = streamHead
        deferredStreamIndex.append((streamIndexKey(number: streamHead.number, version: version), position))
        if !slots[slot].isDirty {
            slots[slot].isDirty = true
            dirtySlots.append(slot)
        }
        return true
    }

    /// The head of a stream new to the store.
    private mutating func newStreamHead() throws -> StreamHead {
        guard streamCount < UInt32.max else {
            throw EventStoreError(.invalidEvent, "the store holds \(UInt32.max) streams, its limit")
        }
        streamCount += 1
        return StreamHead(number: streamCount, version: .none, hash: .zero)
    }

    /// Writes the record at seq `position` after `streamHead`, advances the stream's and the
    /// log's heads, and returns the event's version.
    private mutating func writeRecord(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
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
        try event.withBytes { id, type, payload in
            var name = stream.name
            try name.withUTF8 { name in
                try checkDuplicate(id: id, stream: UnsafeRawBufferPointer(name), type: type, payload: payload, storedAt: seq, txn)
            }
        }
    }

    private func checkDuplicate(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
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

    /// In bulk mode, after `flushInterval` events: writes the deferred entries now and forgets
    /// the ids it kept (the store's lookups then find them in the databases). Stream slots are
    /// kept: their heads are what was just written.
    mutating func flushIfDue(_ txn: borrowing WriteTransaction) throws {
        guard pending >= flushInterval else { return }
        try flush(txn)
    }

    /// ``finish(_:)`` in the middle of a load: the filter learns the ids written, for the
    /// lookups still to come.
    private mutating func flush(_ txn: borrowing WriteTransaction) throws {
        for entry in deferredIDs { flushedIDs.insert(entry.key) }
        try finish(txn)
    }

    /// The source numbers streams anew (``BulkLookup/restartSlots``): writes what was collected,
    /// then forgets the slots.
    mutating func restartSlots(_ txn: borrowing WriteTransaction) throws {
        try flush(txn)
        slots.removeAll()
        slotNames.removeAll()
        slotsMayBeStored = true
    }

    /// Writes the deferred index entries in key order, and the heads of the touched streams.
    mutating func finish(_ txn: borrowing WriteTransaction) throws {
        defer {
            pending = 0
            if case .bulk = mode {
                for slot in dirtySlots { slots[slot].isDirty = false }
                dirtySlots.removeAll(keepingCapacity: true)
                loadIDs.removeAll()
                sharedHashes.removeAll()
            }
        }
        // The entries and the changed heads are ordered first, on both cores when there are many
        // (a bulk load's end, when its parser is done), then written from this thread.
        let slots = slots, slotNames = slotNames
        let ordering = Ordering(streamIndex: deferredStreamIndex, ids: deferredIDs,
                                names: dirtySlots.map { slots[$0].name.map(slotNames.bytes) ?? UnsafeRawBufferPointer(start: nil, count: 0) })
        deferredStreamIndex = []
        deferredIDs = []
        defer {
            // The arrays' capacity is kept for the next flush.
            deferredStreamIndex = ordering.streamIndex
            deferredIDs = ordering.ids
            deferredStreamIndex.removeAll(keepingCapacity: true)
            deferredIDs.removeAll(keepingCapacity: true)
        }
        if ordering.streamIndex.count + ordering.ids.count + ordering.names.count > 1 << 14 {
            DispatchQueue.concurrentPerform(iterations: 2, execute: ordering.run)
        } else {
            ordering.run(part: 0)
            ordering.run(part: 1)
        }
        let streamIndex = ordering.streamIndex, ids = ordering.ids, names = ordering.names, headOrder = ordering.headOrder
        // Sorted entries beyond an index's last key are appended (`MDB_APPEND`, no search);
        // the others are inserted, in order, so each page is still touched once.
        var last = try lastKey(of: tables.streamIndex, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
        try txn.withCursor(on: tables.streamIndex) { cursor in
            for entry in streamIndex {
                let beyond = last.map { entry.key > $0 } ?? true
                try put(entry.seq, forKey: entry.key, options: beyond ? .append : .noOverwrite, cursor)
                if beyond { last = entry.key }
            }
        }
        // The radix sort is stable: equal hashes stay in seq order.
        if case .bulk(trackIDs: false) = mode { try checkRepeats(ids, txn) }
        last = try lastKey(of: tables.ids, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
        var appendedLast = false
        try txn.withCursor(on: tables.ids) { cursor in
            for entry in ids {
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

        if case .bulk = mode {
            try putStreamHeads(names, in: headOrder, txn)
        } else {
            for (stream, streamHead) in touched { try putStreamHead(stream, streamHead, options: [], txn) }
        }
    }

    /// Without id tracking: throws ``LoadNeedsIDTracking`` when two events of this load share an
    /// id (equal hashes are next to each other once sorted; their records tell).
    private func checkRepeats(_ deferredIDs: [(key: UInt64, seq: UInt64)], _ txn: borrowing WriteTransaction) throws {
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
        try name.withUTF8 { utf8 in try putStreamHead(UnsafeRawBufferPointer(utf8), streamHead, options: options, txn) }
    }

    private func putStreamHead(_ name: UnsafeRawBufferPointer, _ streamHead: StreamHead, options: PutOptions, _ txn: borrowing WriteTransaction) throws {
        try streamHead.withBytes { bytes in try txn.put(bytes, forKey: name, in: tables.streams, options: options) }
    }

    /// Writes the head of every slot changed since the last flush (`dirtySlots`, whose names are
    /// `names`) in name order (LMDB's byte order, `order`), appending those beyond the last name stored.
    private func putStreamHeads(_ names: [UnsafeRawBufferPointer], in order: [Int], _ txn: borrowing WriteTransaction) throws {
        let stored = try lastKey(of: tables.streams, txn) ?? []
        let slots = slots, dirtySlots = dirtySlots
        try stored.withUnsafeBytes { stored in
            try txn.withCursor(on: tables.streams) { cursor in
                var last = stored.isEmpty ? nil : stored
                for index in order {
                    let name = names[index]
                    let beyond = last.map { !name.lexicographicallyPrecedes($0) && !name.elementsEqual($0) } ?? true
                    try slots[dirtySlots[index]].head.withBytes { head in try cursor.put(head, forKey: name, options: beyond ? .append : []) }
                    if beyond { last = name }
                }
            }
        }
    }
}

/// The ids of a bulk load: the first seq under each ``idKey(_:)``, in an open-addressing table
/// probed by the key itself (already a hash), so a lookup and an insert are one probe each,
/// without hashing again.
struct LoadIDTable {
    /// seq 0: an empty bucket (seqs start at 1).
    private var buckets: [(key: UInt64, seq: UInt64)]
    private var count = 0
    private let initialBuckets: Int

    /// - Parameter buckets: the first capacity, a power of two; it doubles when 3/4 full.
    init(buckets: Int) {
        initialBuckets = buckets
        self.buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: buckets)
    }

    private func start(_ key: UInt64) -> Int { Int(truncatingIfNeeded: ((key ^ (key >> 31)) &* 0x9E37_79B9_7F4A_7C15) >> 20) & (buckets.count - 1) }

    /// The bucket holding `key`, or the empty one where it would go.
    private func probe(_ key: UInt64) -> Int {
        let mask = buckets.count - 1
        var bucket = start(key)
        while buckets[bucket].seq != 0 && buckets[bucket].key != key { bucket = (bucket + 1) & mask }
        return bucket
    }

    func seq(forKey key: UInt64) -> UInt64? {
        let seq = buckets[probe(key)].seq
        return seq == 0 ? nil : seq
    }

    /// Records `seq` under `key`, unless a seq is there already: returns that one.
    mutating func insert(_ seq: UInt64, forKey key: UInt64) -> UInt64? {
        let bucket = probe(key)
        if buckets[bucket].seq != 0 { return buckets[bucket].seq }
        buckets[bucket] = (key, seq)
        count += 1
        if count * 4 > buckets.count * 3 { grow() }
        return nil
    }

    mutating func removeAll() {
        buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: initialBuckets)
        count = 0
    }

    private mutating func grow() {
        let old = buckets
        buckets = [(key: UInt64, seq: UInt64)](repeating: (0, 0), count: old.count * 2)
        let mask = buckets.count - 1
        for entry in old where entry.seq != 0 {
            var bucket = start(entry.key)
            while buckets[bucket].seq != 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = entry
        }
    }
}

/// A blocked Bloom filter of id hashes: "certainly not added" or "perhaps added", in about 12
/// bits per id, each query reading one 64-byte block. A wrong "perhaps" costs a lookup in the
/// `ids` database, never a wrong answer.
struct IDFilter {
    private var words: [UInt64]
    private let blockMask: Int

    /// Sized for `expected` ids (at most 256 MiB; one block for none); more still work, with more
    /// wrong "perhaps".
    init(expected: Int) {
        var blocks = 1
        while blocks < (1 << 22) && blocks * 512 < expected * 12 { blocks *= 2 }
        words = [UInt64](repeating: 0, count: blocks * 8)
        blockMask = blocks - 1
    }

    /// The block's first word (from the hash's top bits, multiplied) and six bit numbers within
    /// its 512 bits (from another mix of the hash).
    private func probe(_ key: UInt64) -> (base: Int, bits: UInt64) {
        var h = key
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        let block = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & blockMask
        return (block * 8, h)
    }

    mutating func insert(_ key: UInt64) {
        var (base, bits) = probe(key)
        for _ in 0..<6 {
            let bit = Int(bits & 511)
            words[base + bit >> 6] |= 1 << UInt64(bit & 63)
            bits >>= 9
        }
    }

    func mayContain(_ key: UInt64) -> Bool {
        var (base, bits) = probe(key)
        for _ in 0..<6 {
            let bit = Int(bits & 511)
            if words[base + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            bits >>= 9
        }
        return true
    }
}

/// A flush's ordering work in two parts that touch disjoint fields, so that they may run on two
/// threads at once: the ids (part 0); the stream index and the changed heads' names (part 1).
private final class Ordering: @unchecked Sendable {
    var streamIndex: [(key: UInt64, seq: UInt64)]
    var ids: [(key: UInt64, seq: UInt64)]
    let names: [UnsafeRawBufferPointer]
    var headOrder: [Int] = []

    init(streamIndex: [(key: UInt64, seq: UInt64)], ids: [(key: UInt64, seq: UInt64)], names: [UnsafeRawBufferPointer]) {
        self.streamIndex = streamIndex
        self.ids = ids
        self.names = names
    }

    func run(part: Int) {
        if part == 0 {
            radixSort(&ids)
        } else {
            radixSort(&streamIndex)
            headOrder = byteOrder(names)
        }
    }
}
