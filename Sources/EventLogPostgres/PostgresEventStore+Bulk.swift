public import EventLog
import Dispatch
import Foundation
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// Loads `source` in one transaction under the writers' lock, its rows streamed by one
    /// `COPY` (binary format) while the next rows are made: the source is pulled on a thread of
    /// its own (its questions are synchronous), which hands PostgreSQL a buffer of rows every
    /// 256 KiB and waits only when four are in flight. A question about what the store held
    /// before the load or about an event of this load ends the `COPY` first (so that the table
    /// answers it) and a new one starts after. Into an empty store nothing is asked; a load of
    /// 10,000 events or more into a store that holds some first reads every stored id and
    /// stream name into Bloom filters, so that only names that may be stored are asked about.
    public func bulkLoad<Source: BulkEventSource>(from original: Source) async throws -> (result: AppendResult, source: Source) {
        try await mapped {
            try await primaryClient().withTransaction(logger: logger) { connection in
                let writer = try await LogWriter.begin(self, connection)
                var before = Prior.unknown
                if let head = writer.chain.head {
                    if original.estimatedBytes / 250 >= 10_000 { before = try await prior(size: Int(head.position.rawValue), connection) }
                } else {
                    before = .empty
                }
                let loaded = try await withCheckedThrowingContinuation { [before] continuation in
                    Thread.detachNewThread {
                        var loader = BulkLoader<Source>(writer: writer, before: before, expected: original.estimatedBytes / 200)
                        continuation.resume(with: Result { try loader.load(original) })
                    }
                }
                if loaded.result.positions != nil { try await notifyAppended(on: connection) }
                return loaded
            }
        }
    }

    /// Bloom filters of every stored id and stream name.
    private func prior(size: Int, _ connection: PostgresConnection) async throws -> Prior {
        var ids = StoredNames(expected: size), streams = StoredNames(expected: size)
        for try await (id, stream) in try await connection.query("SELECT id, stream FROM dossierledger_events", logger: logger).decode((String, String).self) {
            ids.insert(id.utf8)
            streams.insert(stream.utf8)
        }
        return .filtered(ids: ids, streams: streams)
    }
}

/// What a bulk load knows of the store before it.
enum Prior: Sendable {
    case empty
    case filtered(ids: StoredNames, streams: StoredNames)
    /// Every question is asked of the table.
    case unknown

    func mayHold(id: String) -> Bool {
        switch self {
        case .empty: false
        case .filtered(let ids, _): ids.mayContain(id.utf8)
        case .unknown: true
        }
    }

    func mayHold(stream: String) -> Bool {
        switch self {
        case .empty: false
        case .filtered(_, let streams): streams.mayContain(stream.utf8)
        case .unknown: true
        }
    }
}

/// A bulk load on its own thread.
private struct BulkLoader<Source: BulkEventSource> {
    var writer: LogWriter
    /// What the store held before the load.
    let before: Prior
    /// The head of each stream by the source's slot (nil: not met since the slots last started
    /// again), so that what the load keeps of its streams is bounded by the source's slots.
    var heads: [(version: StreamVersion, hash: EventHash)?] = []
    /// Every stream and id this load has written: "not written" is certain.
    var streams: LoadedNames, ids: LoadedNames
    /// The load's latest events, which a source asks about most (a correction names an event
    /// made shortly before): answered without ending the `COPY`.
    var recent = RecentEvents(capacity: 1 << 17)
    /// Rows made and not yet handed to the `COPY`.
    var rows = CopyRows()
    /// The `COPY` under way.
    var copy: CopyStream?
    var first: GlobalPosition?
    var duplicates = 0

    init(writer: LogWriter, before: Prior, expected: Int) {
        self.writer = writer
        self.before = before
        streams = LoadedNames(expected: expected / 5)
        ids = LoadedNames(expected: expected)
    }

    mutating func load(_ original: Source) throws -> (result: AppendResult, source: Source) {
        do { return try loadAll(original) } catch {
            // The transaction is rolled back after: its connection must be out of the COPY.
            copy?.abandon()
            copy = nil
            throw error
        }
    }

    private mutating func loadAll(_ original: Source) throws -> (result: AppendResult, source: Source) {
        var source = original
        try source.rewind()
        while let event = try source.next({ lookup in try answer(lookup) }) {
            let id = String(decoding: event.id, as: UTF8.self), name = String(decoding: event.stream, as: UTF8.self)
            let stream = try StreamID(name)
            let proposed = try ProposedEvent(id: EventID(id), type: String(decoding: event.type, as: UTF8.self), payload: Array(event.payload))
            if !event.isKnownNew, let stored = try storedEvent(id) {
                try AppendPlan.checkDuplicate(proposed, in: stream, stored: stored)
                duplicates += 1
                continue
            }
            let stored = try writer.extend(proposed, to: stream, after: try streamHead(name, slot: event.streamSlot), replica: event.replica, into: &rows)
            heads[event.streamSlot] = (stored.version, stored.hash)
            ids.insert(id.utf8)
            recent.insert(stored)
            first = first ?? stored.position
            if rows.buffer.readableBytes >= 1 << 18 { try hand() }
        }
        try flush()
        let positions = first.flatMap { first in writer.chain.head.map { first...$0.position } }
        return (AppendResult(positions: positions, duplicates: duplicates, streamVersions: [:]), source)
    }

    /// A source's question, answered from the table (after ending the `COPY` when the
    /// question is about rows it may hold).
    mutating func answer(_ lookup: BulkLookup) throws -> BulkLookupResult {
        switch lookup {
        case .restartSlots:
            heads.removeAll(keepingCapacity: true)
            return .events([])
        case .stream(let stream):
            guard before.mayHold(stream: stream.name) || streams.mayContain(stream.name.utf8) else { return .events([]) }
            try flush()
            let (store, connection, name) = (writer.store, writer.connection, stream.name)
            return .events(try blocking {
                try await store.records("SELECT seq, record FROM dossierledger_events WHERE stream = \(name) ORDER BY version", on: connection)
            })
        case .event(let bytes):
            return .event(try storedEvent(String(decoding: bytes, as: UTF8.self)))
        }
    }

    /// The event stored (or loaded) under `id`.
    mutating func storedEvent(_ id: String) throws -> RecordedEvent? {
        guard before.mayHold(id: id) || ids.mayContain(id.utf8) else { return nil }
        if let event = recent[id] { return event }
        try flush()
        let (store, connection) = (writer.store, writer.connection)
        return try blocking { try await store.records("SELECT seq, record FROM dossierledger_events WHERE id = \(id)", on: connection).first }
    }

    /// A stream's head: from this load (by the source's slot), or from the table.
    mutating func streamHead(_ name: String, slot: Int) throws -> (version: StreamVersion, hash: EventHash) {
        if slot >= heads.count { heads.append(contentsOf: repeatElement(nil, count: slot + 1 - heads.count)) }
        if let head = heads[slot] { return head }
        let loaded = streams.mayContain(name.utf8)
        if !loaded { streams.insert(name.utf8) }
        guard before.mayHold(stream: name) || loaded else { return (.none, .zero) }
        try flush()
        let writer = writer
        return try blocking { try await writer.streamHeads([name]) }[name] ?? (.none, .zero)
    }

    /// Hands the rows made to the `COPY` (starting one if none is under way).
    mutating func hand() throws {
        guard rows.buffer.readableBytes > 0 else { return }
        if copy == nil { copy = CopyStream(writer) }
        try copy?.send(rows.buffer)
        rows = CopyRows()
    }

    /// Ends the `COPY` with every row made in it: before the table is asked anything (one
    /// connection does one thing at a time), and at the end.
    mutating func flush() throws {
        try hand()
        guard let copy else { return }
        self.copy = nil
        try copy.finish()
    }
}

/// The last `capacity` events of a load, by id.
struct RecentEvents {
    private var events: [String: RecordedEvent] = [:]
    private var order: [String] = []
    private var oldest = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        events.reserveCapacity(capacity)
        order.reserveCapacity(capacity)
    }

    subscript(id: String) -> RecordedEvent? { events[id] }

    mutating func insert(_ event: RecordedEvent) {
        if order.count < capacity {
            order.append(event.id.value)
        } else {
            events[order[oldest]] = nil
            order[oldest] = event.id.value
            oldest = (oldest + 1) % capacity
        }
        events[event.id.value] = event
    }
}

/// Rows in `COPY`'s binary format: per row its field count, then each field's length and bytes
/// (integers big-endian, text as UTF-8, bytea as is).
struct CopyRows: LogRows {
    var buffer = ByteBuffer()

    /// What a binary `COPY` starts with: its signature, no flags, no header extension.
    static var header: ByteBuffer {
        var header = ByteBuffer(bytes: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        header.writeInteger(Int32(0))
        header.writeInteger(Int32(0))
        return header
    }

    /// What it ends with: a field count of −1.
    static var trailer: ByteBuffer { ByteBuffer(integer: Int16(-1)) }

    mutating func add(_ row: LogRow) {
        buffer.writeInteger(Int16(7))
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(row.seq)
        writeText(row.id)
        writeText(row.stream)
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(row.version)
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(row.recorded)
        buffer.writeInteger(Int32(row.record.count))
        buffer.writeBytes(row.record)
        buffer.writeInteger(Int32(row.nodes.count * 32))
        for node in row.nodes { withUnsafeBytes(of: node) { _ = buffer.writeBytes($0) } }
    }

    private mutating func writeText(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            buffer.writeInteger(Int32(bytes.count))
            buffer.writeBytes(bytes)
        }
    }
}

/// One `COPY … FROM STDIN` in binary format under way on the load's connection, fed from the
/// loader's thread: a task writes the buffers handed to it while the loader makes the next; the
/// loader waits when four are in flight.
private final class CopyStream: Sendable {
    /// postgres-nio builds `COPY` statements for the text format only: the statement for the
    /// binary format is given in place of the table's name, its own ending commented out.
    private static let statement = #"dossierledger_events" (seq, id, stream, version, recorded, record, nodes) FROM STDIN WITH (FORMAT binary) --"#
    private let buffers: AsyncStream<ByteBuffer>.Continuation
    private let flow = Flow()
    private let done: Task<Void, any Error>

    /// Buffers in flight, and how the `COPY` failed.
    private final class Flow: Sendable {
        let slots = DispatchSemaphore(value: 4)
        let failure = Mutex<(any Error)?>(nil)

        func check() throws {
            try failure.withLock { if let error = $0 { throw error } }
        }
    }

    init(_ writer: LogWriter) {
        let (stream, buffers) = AsyncStream.makeStream(of: ByteBuffer.self)
        self.buffers = buffers
        let (connection, logger, flow) = (writer.connection, writer.store.logger, flow)
        done = Task {
            do {
                try await connection.copyFrom(table: Self.statement, logger: logger) { writer in
                    try await writer.write(CopyRows.header)
                    for await buffer in stream {
                        try await writer.write(buffer)
                        flow.slots.signal()
                    }
                    try await writer.write(CopyRows.trailer)
                }
            } catch {
                flow.failure.withLock { $0 = error }
                flow.slots.signal()  // a loader waiting for a slot sees the failure
                throw error
            }
        }
    }

    /// Hands `buffer` over, once fewer than four wait.
    func send(_ buffer: ByteBuffer) throws {
        try flow.check()
        flow.slots.wait()
        try flow.check()
        buffers.yield(buffer)
    }

    /// Ends the `COPY` and waits until PostgreSQL has taken every row.
    func finish() throws {
        buffers.finish()
        let done = done
        try blocking { try await done.value }
    }

    /// Ends the `COPY` after a failure, waiting for it to end (its error is not the load's).
    func abandon() {
        try? finish()
    }
}

/// Runs `body` on the concurrency pool and waits for it: only for threads of their own (the
/// bulk loader's), never from a task.
private func blocking<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) throws -> R {
    let result = Mutex<Result<R, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome = await Result { try await body() }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
