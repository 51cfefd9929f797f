public import EventLog
import NIOCore
import PostgresNIO
import Synchronization

/// An append waiting for its transaction.
struct PendingAppend: Sendable {
    let batch: [StreamAppend]
    let continuation: CheckedContinuation<AppendResult, any Error>
}

extension PostgresEventStore {
    public func append(_ batch: [StreamAppend]) async throws -> AppendResult {
        guard batch.contains(where: { !$0.events.isEmpty }) else {
            return AppendResult(positions: nil, duplicates: 0, streamVersions: [:])
        }
        return try await withCheckedThrowingContinuation { continuation in
            let start = pending.withLock { state in
                state.waiting.append(PendingAppend(batch: batch, continuation: continuation))
                defer { state.committing = true }
                return !state.committing
            }
            if start { Task { await self.commitWhilePending() } }
        }
    }

    /// Commits the waiting appends, a transaction for all that wait, until none is left.
    private func commitWhilePending() async {
        while true {
            let group = pending.withLock { state in
                defer { state.waiting = [] }
                if state.waiting.isEmpty { state.committing = false }
                return state.waiting
            }
            guard !group.isEmpty else { return }
            do {
                let batches = group.map(\.batch)
                let results = try await unlessPrimaryLost { try await self.mapped { try await self.commit(batches) } }
                for (append, result) in zip(group, results) { append.continuation.resume(with: result) }
            } catch {
                for append in group { append.continuation.resume(throwing: error) }
            }
        }
    }

    /// One transaction for several appends: each is checked against the log as the ones before
    /// it in the group left it, and stored or refused on its own; one commit for all.
    private func commit(_ batches: [[StreamAppend]]) async throws -> [Result<AppendResult, any Error>] {
        try await primaryClient().withTransaction(logger: logger) { connection in
            var writer = try await LogWriter.begin(self, connection)
            return try await writer.append(batches)
        }
    }
}

/// Extends the log inside one transaction that holds the writers' lock: the chain from the
/// head, the Merkle tree from its frontier (each event's row holds the tree hashes its append
/// stores); rows written with one statement per group of appends, or streamed by `COPY`.
struct LogWriter: Sendable {
    let store: PostgresEventStore
    let connection: PostgresConnection
    var chain: ChainExtender
    var frontier: MerkleTree.Frontier

    /// Takes the writers' lock and reads the head and the tree's frontier.
    static func begin(_ store: PostgresEventStore, _ connection: PostgresConnection) async throws -> LogWriter {
        try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresEventStore.writerLock))", logger: store.logger)
        var head: LogHead?
        try await store.forEachRecord("SELECT seq, record FROM dossierledger_events ORDER BY seq DESC LIMIT 1", on: connection) {
            head = LogHead(position: $0.position, hash: $0.hash, recorded: $0.recorded)
        }
        let size = head?.position.rawValue ?? 0
        let indexes = MerkleTree.frontierIndexes(size: size)
        let stored = try await store.treeHashes(indexes.map { Int64(clamping: $0) }, on: connection)
        let hashes = try indexes.map { index in
            guard let hash = stored[index] else { throw EventStoreError(.corruptStore, "the tree lacks its hash \(index) at size \(size)") }
            return hash
        }
        return LogWriter(store: store, connection: connection, chain: ChainExtender(head: head, clock: store.clock),
                         frontier: MerkleTree.Frontier(size: size, hashes: hashes))
    }

    /// Checks and writes appends (``EventWriter/append(_:)``'s rules), each against the log as
    /// the ones before it left it, each stored or refused on its own: what they ask of the table
    /// read with one query per kind for all of them, their rows written with one statement.
    mutating func append(_ batches: [[StreamAppend]]) async throws -> [Result<AppendResult, any Error>] {
        let ids = batches.flatMap { $0.flatMap { $0.events.map(\.id.value) } }
        var stored: [EventID: RecordedEvent] = [:]
        for record in try await store.records("SELECT seq, record FROM dossierledger_events WHERE id = ANY(\(ids))", on: connection) {
            stored[record.id] = record
        }
        var streamHeads = try await streamHeads(Array(Set(batches.flatMap { $0.map(\.stream.name) })))
        var rows = Rows()
        var results: [Result<AppendResult, any Error>] = []
        for batch in batches {
            let plan: AppendPlan
            do {
                plan = try AppendPlan(batch, version: { streamHeads[$0.name]?.version ?? .none }, stored: { stored[$0] })
            } catch {
                results.append(.failure(error))  // refused: nothing of it is written
                continue
            }
            var positions: ClosedRange<GlobalPosition>?
            for (stream, event) in plan.events {
                let recorded = try extend(event, to: stream, after: streamHeads[stream.name] ?? (.none, .zero), into: &rows)
                streamHeads[stream.name] = (recorded.version, recorded.hash)
                stored[event.id] = recorded  // a later append of the group repeating it is a duplicate
                positions = positions.map { $0.lowerBound...recorded.position } ?? recorded.position...recorded.position
            }
            results.append(.success(AppendResult(positions: positions, duplicates: plan.duplicates, streamVersions: plan.versions)))
        }
        try await write(rows)
        return results
    }

    /// Adds `event` after the log's head and its stream's head `before`: its row to `rows`, with
    /// its record and the tree hashes its append stores (its leaf, the subtrees it completes).
    /// Returns the event as stored.
    /// - Throws: `.replicaMismatch` when `replica`'s fields are not reproduced.
    mutating func extend(_ event: ProposedEvent, to stream: StreamID, after before: (version: StreamVersion, hash: EventHash),
                         replica: ReplicaFields? = nil, into rows: inout some LogRows) throws -> RecordedEvent {
        let (position, record) = try chain.record(event, to: stream, after: before, replica: replica)
        let hash = record.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
        let recorded = chain.head?.recorded ?? RecordedTime(rawValue: 0)  // the head is the record just made
        var nodes: [EventHash] = []
        frontier.append(eventHash: hash) { nodes.append($0) }
        rows.add(LogRow(seq: Int64(position.rawValue), id: event.id.value, stream: stream.name, version: Int64(before.version.next.rawValue),
                        recorded: recorded.rawValue, record: record, nodes: nodes))
        return RecordedEvent(position: position, stream: stream, version: before.version.next, recorded: recorded, id: event.id,
                             type: event.type, payload: event.payload, hash: hash, previousInStream: before.hash)
    }

    /// Each stream's version and hash, for the streams stored among `names`.
    func streamHeads(_ names: [String]) async throws -> [String: (version: StreamVersion, hash: EventHash)] {
        var heads: [String: (version: StreamVersion, hash: EventHash)] = [:]
        try await store.forEachRecord("""
            SELECT DISTINCT ON (stream) seq, record FROM dossierledger_events WHERE stream = ANY(\(names)) ORDER BY stream, version DESC
            """, on: connection) { heads[$0.streamName] = ($0.version, $0.hash) }
        return heads
    }

    /// Inserts the rows (one statement).
    func write(_ rows: Rows) async throws {
        guard !rows.seqs.isEmpty else { return }
        try await connection.query("""
            INSERT INTO dossierledger_events (seq, id, stream, version, recorded, record, nodes)
            SELECT * FROM unnest(\(rows.seqs)::bigint[], \(rows.ids)::text[], \(rows.streams)::text[], \(rows.versions)::bigint[],
                                 \(rows.recorded)::bigint[], \(rows.records)::bytea[], \(rows.nodes)::bytea[])
            """, logger: store.logger)
        try await store.notifyAppended(on: connection)
    }
}

/// One event's row: its columns, its record, and the tree hashes its append stored, in order.
struct LogRow {
    let seq: Int64, id: String, stream: String, version: Int64, recorded: Int64
    let record: [UInt8]
    let nodes: [EventHash]
}

/// Where ``LogWriter/extend(_:to:after:replica:into:)`` puts the rows it makes.
protocol LogRows {
    mutating func add(_ row: LogRow)
}

/// Rows to insert, column by column.
struct Rows: LogRows {
    var seqs: [Int64] = [], ids: [String] = [], streams: [String] = [], versions: [Int64] = [], recorded: [Int64] = []
    var records: [ByteBuffer] = [], nodes: [ByteBuffer] = []

    mutating func add(_ row: LogRow) {
        seqs.append(row.seq)
        ids.append(row.id)
        streams.append(row.stream)
        versions.append(row.version)
        recorded.append(row.recorded)
        records.append(ByteBuffer(bytes: row.record))
        var hashes = ByteBuffer()
        for node in row.nodes { withUnsafeBytes(of: node) { _ = hashes.writeBytes($0) } }
        nodes.append(hashes)
    }
}
