import Dispatch
import EventLog
import LedgerLMDB

/// Applies a bulk load inside one write transaction: the log is appended in order, and the
/// index entries are collected and written sorted (appended beyond each index's last key) every
/// ``flushInterval`` events and at the end, so each B-tree page is written once instead of being
/// touched at random. With `trackIDs` the ids of this load are kept in memory (about 24 bytes
/// each) so that repeats are found as they come and lookups answered; without, ``finish(_:)``
/// finds repeats among the sorted ids and throws ``LoadNeedsIDTracking``, and the load is
/// redone with tracking.
struct BulkWriter: ~Copyable {
    /// A load without id tracking met a repeated id, or was asked about an id.
    struct LoadNeedsIDTracking: Error {}

    private var records: RecordWriter
    private var tables: Tables { records.tables }
    var head: LogHead? { records.head }
    let trackIDs: Bool
    /// What is known of each stream slot (``BulkEvent/streamSlot``) since the last flush, the
    /// slots whose head changed since then, and the slots' names.
    private var slots: [Slot] = []
    private var dirtySlots: [Int] = []
    private let slotNames = ByteArena()
    private var deferredStreamIndex: [(key: UInt64, seq: UInt64)] = []
    private var deferredIDs: [(key: UInt64, seq: UInt64)] = []
    /// The first seq under each id hash of the events appended since the last flush, and any
    /// further ones (a hash shared by different ids).
    private var loadIDs = LoadIDTable(buckets: 1 << 16)
    private var sharedHashes: [UInt64: [UInt64]] = [:]
    /// The id hashes this load has flushed, so that an id found in neither this filter nor
    /// `loadIDs` needs no lookup in the `ids` database (when it held nothing before).
    private var flushedIDs: IDFilter
    /// Whether `ids` held anything when the transaction began.
    private let idsBefore: Bool
    /// Whether a stream new to the slots may be in `streams` already: it held streams before
    /// the load, or the slots were restarted (a stream of this load written before keeps its
    /// slot until then).
    private var slotsMayBeStored: Bool
    /// Events appended since the last flush of the deferred entries.
    private var pending = 0
    /// The deferred entries are written (and the ids kept forgotten) every so many events, so
    /// memory stays bounded however large the load.
    let flushInterval: Int

    /// - Parameter expectedEvents: about how many events the load brings (sizes its id filter).
    init(_ txn: borrowing WriteTransaction, tables: Tables, trackIDs: Bool, flushInterval: Int = 1 << 20,
         expectedEvents: Int = 0, clock: @escaping @Sendable () -> RecordedTime) throws {
        // Everything that may throw first: a noncopyable field is then set on every path.
        let idsBefore = try txn.statistics(of: tables.ids).entries > 0
        let records = try RecordWriter(txn, tables: tables, clock: clock)
        self.idsBefore = idsBefore
        slotsMayBeStored = !records.hadNoStreams
        self.records = records
        self.trackIDs = trackIDs
        self.flushInterval = flushInterval
        flushedIDs = IDFilter(expected: expectedEvents)
        deferredIDs.reserveCapacity(min(expectedEvents, flushInterval))
        deferredStreamIndex.reserveCapacity(min(expectedEvents, flushInterval))
    }

    /// A stream of the load: its head and where its name is in `slotNames` (nil: a slot the
    /// source numbered but no event of it reached the store yet).
    private struct Slot {
        var head: StreamHead
        var name: Range<Int>?
        var isDirty = false
    }

    /// The seq of the event whose id has these UTF-8 bytes, stored before this transaction or in it.
    func position(ofID id: UnsafeRawBufferPointer, _ txn: borrowing WriteTransaction) throws -> UInt64? {
        try position(ofID: id, key: fnv1a64(id), txn)
    }

    /// The seq of the event whose id has these bytes and ``idKey(_:)`` `key`.
    private func position(ofID id: UnsafeRawBufferPointer, key: UInt64, _ txn: borrowing WriteTransaction) throws -> UInt64? {
        if let first = loadIDs.seq(forKey: key) {
            func matches(_ seq: UInt64) throws -> Bool { try txn.withRecord(at: seq, in: tables) { $0.idBytes.elementsEqual(id) } == true }
            if try matches(first) { return first }
            for seq in sharedHashes[key] ?? [] where try matches(seq) { return seq }
        }
        if !idsBefore && !flushedIDs.mayContain(key) { return nil }
        return try txn.position(ofID: id, key: key, in: tables)
    }

    /// Writes one event with expected version `.any`, deferring its index entries;
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
        let position = records.nextPosition
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
            try records.checkDuplicate(id: event.id, stream: event.stream, type: event.type, payload: event.payload, storedAt: stored, txn)
            return false
        }
        // Only an event that is stored gives its stream a head (and a new stream its number).
        if slot >= slots.count { slots.append(contentsOf: repeatElement(Slot(head: StreamHead(number: 0, version: .none, hash: .zero)), count: slot + 1 - slots.count)) }
        if slots[slot].name == nil {
            let stored = slotsMayBeStored ? try txn.streamHead(name: event.stream, in: tables) : nil
            slots[slot].head = try stored ?? records.newStreamHead()
            slots[slot].name = slotNames.append(event.stream)
        }
        if trackIDs, loadIDs.insert(position, forKey: key) != nil { sharedHashes[key, default: []].append(position) }
        deferredIDs.append((key, position))
        pending += 1
        var streamHead = slots[slot].head
        let version = try records.writeRecord(id: event.id, stream: event.stream, type: event.type, payload: event.payload,
                                      at: position, streamHead: &streamHead, replica: event.replica, txn)
        slots[slot].head = streamHead
        deferredStreamIndex.append((streamIndexKey(number: streamHead.number, version: version), position))
        if !slots[slot].isDirty {
            slots[slot].isDirty = true
            dirtySlots.append(slot)
        }
        return true
    }

    /// After `flushInterval` events: writes the deferred entries now and forgets
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

    /// Writes the deferred index entries in key order, and the heads of the changed streams.
    mutating func finish(_ txn: borrowing WriteTransaction) throws {
        defer {
            pending = 0
            for slot in dirtySlots { slots[slot].isDirty = false }
            dirtySlots.removeAll(keepingCapacity: true)
            loadIDs.removeAll()
            sharedHashes.removeAll()
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
        var last = try records.lastKey(of: tables.streamIndex, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
        try txn.withCursor(on: tables.streamIndex) { cursor in
            for entry in streamIndex {
                let beyond = last.map { entry.key > $0 } ?? true
                try records.put(entry.seq, forKey: entry.key, options: beyond ? .append : .noOverwrite, cursor)
                if beyond { last = entry.key }
            }
        }
        // The radix sort is stable: equal hashes stay in seq order.
        if !trackIDs { try checkRepeats(ids, txn) }
        last = try records.lastKey(of: tables.ids, txn).flatMap { key in key.withUnsafeBytes { loadSeq($0) } }
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
                try records.put(entry.seq, forKey: entry.key, options: options, cursor)
            }
        }

        try putStreamHeads(names, in: headOrder, txn)
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

    /// Writes the head of every slot changed since the last flush (`dirtySlots`, whose names are
    /// `names`) in name order (LMDB's byte order, `order`), appending those beyond the last name stored.
    private func putStreamHeads(_ names: [UnsafeRawBufferPointer], in order: [Int], _ txn: borrowing WriteTransaction) throws {
        let stored = try records.lastKey(of: tables.streams, txn) ?? []
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
