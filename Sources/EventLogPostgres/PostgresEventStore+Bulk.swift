public import EventLog
import Dispatch
import Foundation
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// Loads `source` in one transaction under the writers' lock, its rows sent with `COPY` in
    /// chunks of 16,384. The source is pulled on a thread of its own (its questions are
    /// synchronous), which waits for PostgreSQL only when it must: to send a chunk, and to answer
    /// a question about what the store held before the load or about an event of this load (its
    /// chunk sent first, so the answer comes from the table). Into an empty store nothing is
    /// asked; a load of 10,000 events or more into a store that holds some first reads every
    /// stored id and stream name into Bloom filters, so that only names that may be stored are
    /// asked about.
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
                return try await withCheckedThrowingContinuation { [before] continuation in
                    Thread.detachNewThread {
                        var loader = BulkLoader<Source>(writer: writer, before: before)
                        continuation.resume(with: Result { try loader.load(original) })
                    }
                }
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
    /// Streams and ids this load has written (sent or not), with each stream's head.
    var streams: [String: (version: StreamVersion, hash: EventHash)] = [:]
    var ids = Set<String>()
    var rows = Rows()
    /// The chunk being sent.
    var sending: Task<Void, any Error>?
    var first: GlobalPosition?
    var duplicates = 0

    init(writer: LogWriter, before: Prior) {
        self.writer = writer
        self.before = before
    }

    mutating func load(_ original: Source) throws -> (result: AppendResult, source: Source) {
        do { return try loadAll(original) } catch {
            try? settle()  // the transaction is rolled back after: its connection must be idle
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
            let stored = try writer.extend(proposed, to: stream, after: try streamHead(name), replica: event.replica, into: &rows)
            streams[name] = (stored.version, stored.hash)
            ids.insert(id)
            first = first ?? stored.position
            if rows.seqs.count >= 16_384 { try send() }
        }
        try flush()
        let positions = first.flatMap { first in writer.chain.head.map { first...$0.position } }
        return (AppendResult(positions: positions, duplicates: duplicates, streamVersions: [:]), source)
    }

    /// A source's question, answered from the table (after sending this load's rows when the
    /// question is about them).
    mutating func answer(_ lookup: BulkLookup) throws -> BulkLookupResult {
        switch lookup {
        case .restartSlots:
            return .events([])  // streams are known here by name, not slot
        case .stream(let stream):
            guard before.mayHold(stream: stream.name) || streams[stream.name] != nil else { return .events([]) }
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
        guard before.mayHold(id: id) || ids.contains(id) else { return nil }
        try flush()
        let (store, connection) = (writer.store, writer.connection)
        return try blocking { try await store.records("SELECT seq, record FROM dossierledger_events WHERE id = \(id)", on: connection).first }
    }

    /// A stream's head: from this load, or from the table.
    mutating func streamHead(_ name: String) throws -> (version: StreamVersion, hash: EventHash) {
        if let head = streams[name] { return head }
        guard before.mayHold(stream: name) else { return (.none, .zero) }
        try flush()
        let writer = writer
        return try blocking { try await writer.streamHeads([name]) }[name] ?? (.none, .zero)
    }

    /// Starts sending the rows gathered with `COPY`, once the chunk before them is sent: the
    /// next chunk is built while PostgreSQL takes this one.
    mutating func send() throws {
        try settle()
        guard !rows.seqs.isEmpty else { return }
        let (rows, writer) = (self.rows, self.writer)
        sending = Task { try await writer.copy(rows) }
        self.rows = Rows()
    }

    /// Waits until the chunk being sent is in the table.
    mutating func settle() throws {
        guard let sending else { return }
        self.sending = nil
        try blocking { try await sending.value }
    }

    /// Sends every row gathered and waits for them: before the table is asked anything (one
    /// connection does one thing at a time), and at the end.
    mutating func flush() throws {
        try send()
        try settle()
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

extension LogWriter {
    /// Sends rows with `COPY … FROM STDIN` (text format; bytea as `\x` hex).
    func copy(_ rows: Rows) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(rows.records.reduce(0) { $0 + $1.readableBytes * 2 + 120 })
        for index in rows.seqs.indices {
            buffer.writeString("\(rows.seqs[index])\t")
            Self.writeText(rows.ids[index], to: &buffer)
            Self.writeText(rows.streams[index], to: &buffer)
            buffer.writeString("\(rows.versions[index])\t\(rows.recorded[index])\t\\\\x")
            Self.writeHex(rows.records[index], to: &buffer)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        try await connection.copyFrom(table: "dossierledger_events", columns: ["seq", "id", "stream", "version", "recorded", "record"],
                                      logger: store.logger) { writer in try await writer.write(buffer) }
        var tree = ByteBuffer()
        for (index, hash) in rows.tree {
            tree.writeString("\(index)\t\\\\x")
            Self.writeHex(hash, to: &tree)
            tree.writeInteger(UInt8(ascii: "\n"))
        }
        if !rows.tree.isEmpty {
            try await connection.copyFrom(table: "dossierledger_tree", columns: ["idx", "hash"], logger: store.logger) { writer in try await writer.write(tree) }
        }
    }

    /// A text column and its tab, with COPY's escapes for backslash, tab, newline and return.
    private static func writeText(_ text: String, to buffer: inout ByteBuffer) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeString("\\t")
            case UInt8(ascii: "\n"): buffer.writeString("\\n")
            case UInt8(ascii: "\r"): buffer.writeString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\t"))
    }

    /// Bytes as hexadecimal digits, written in place (a load writes hundreds of megabytes of them).
    private static func writeHex(_ bytes: ByteBuffer, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.readableBytes * 2) { out in
            bytes.withUnsafeReadableBytes { input in
                for (index, byte) in input.enumerated() {
                    out[2 * index] = hexDigit(byte >> 4)
                    out[2 * index + 1] = hexDigit(byte & 0x0f)
                }
            }
            return bytes.readableBytes * 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
