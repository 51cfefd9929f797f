public import EventLog
import NIOCore
import PostgresNIO

extension PostgresEventStore {
    public func head() async throws -> LogHead? {
        try await mapped {
            var head: LogHead?
            try await forEachRecord("SELECT seq, record FROM dossierledger_events ORDER BY seq DESC LIMIT 1") {
                head = LogHead(position: $0.position, hash: $0.hash, recorded: $0.recorded)
            }
            return head
        }
    }

    public func read(stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        let (name, from, count) = (stream.name, Int64(clamping: version.rawValue), Int64(limit))
        return try await mapped {
            switch direction {
            case .forward:
                try await records("""
                    SELECT seq, record FROM dossierledger_events WHERE stream = \(name) AND version >= \(from) ORDER BY version LIMIT \(count)
                    """)
            case .backward:
                try await records("""
                    SELECT seq, record FROM dossierledger_events WHERE stream = \(name) AND version <= \(from) ORDER BY version DESC LIMIT \(count)
                    """)
            }
        }
    }

    public func readAll(from position: GlobalPosition, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        let (from, count) = (Int64(clamping: position.rawValue), Int64(limit))
        return try await mapped {
            try await records("SELECT seq, record FROM dossierledger_events WHERE seq >= \(from) ORDER BY seq LIMIT \(count)")
        }
    }

    /// Reads the range a page of 8,192 records at a time, each page one row (the records as one
    /// array: a row at a time, postgres-nio's hand-over between its event loop and the task cost
    /// ~20 µs a record). Records never change once stored, so the pages are one state of the range.
    public func reduceRecords<Value: Sendable>(in range: ClosedRange<GlobalPosition>, into initial: Value,
                                                _ body: @escaping @Sendable (inout Value, borrowing RecordView) throws -> Void) async throws -> Value {
        var value = initial
        var next = Int64(clamping: max(range.lowerBound.rawValue, 1))
        let last = Int64(clamping: range.upperBound.rawValue)
        while next <= last {
            let through = min(last, next + 8_191)
            var page: [ByteBuffer] = []
            try await mapped {
                for try await records in try await primaryClient().query("""
                    SELECT array_agg(record ORDER BY seq) FROM dossierledger_events WHERE seq BETWEEN \(next) AND \(through)
                    """, logger: logger).decode([ByteBuffer]?.self) {
                    page = records ?? []
                }
            }
            for (offset, record) in page.enumerated() {
                try record.withUnsafeReadableBytes { bytes in try body(&value, try RecordView(bytes: bytes, at: GlobalPosition(UInt64(next) + UInt64(offset)))) }
            }
            let read = page.count
            guard read == Int(through - next + 1) else { break }  // the log ends in this page
            next = through + 1
        }
        return value
    }

    public func event(id: EventID) async throws -> RecordedEvent? {
        let key = id.value
        return try await mapped { try await records("SELECT seq, record FROM dossierledger_events WHERE id = \(key)").first }
    }

    public func firstPosition(recordedAtOrAfter time: RecordedTime) async throws -> GlobalPosition? {
        let instant = time.rawValue
        return try await mapped {
            for try await seq in try await primaryClient().query("""
                SELECT seq FROM dossierledger_events WHERE recorded >= \(instant) ORDER BY recorded, seq LIMIT 1
                """, logger: logger).decode(Int64.self) {
                return GlobalPosition(UInt64(seq))
            }
            return nil
        }
    }

    public func statistics() async throws -> StoreStatistics {
        try await mapped {
            for try await (events, streams, bytes) in try await primaryClient().query("""
                SELECT (SELECT count(*) FROM dossierledger_events), (SELECT count(DISTINCT stream) FROM dossierledger_events),
                       pg_total_relation_size('dossierledger_events')
                """, logger: logger).decode((Int64, Int64, Int64).self) {
                return StoreStatistics(events: UInt64(events), streams: UInt64(streams), bytes: Int(bytes))
            }
            return StoreStatistics(events: 0, streams: 0, bytes: 0)
        }
    }

    public func treeHashes(_ indexes: [UInt64]) async throws -> [EventHash] {
        let keys = indexes.map { Int64(clamping: $0) }
        let found = try await mapped { try await treeHashes(keys, on: nil) }
        return try indexes.map { index in
            guard let hash = found[index] else { throw EventStoreError(.invalidEvent, "the tree has no stored hash \(index)") }
            return hash
        }
    }

    /// The stored tree hashes among `indexes`, each read from the row of the event whose
    /// append stored it.
    func treeHashes(_ indexes: [Int64], on connection: PostgresConnection?) async throws -> [UInt64: EventHash] {
        let wanted = indexes.filter { $0 >= 0 }.map(UInt64.init)
        let seqs = Array(Set(wanted.map { Int64(MerkleTree.leaf(storing: $0) + 1) }))
        let query: PostgresQuery = "SELECT seq, nodes FROM dossierledger_events WHERE seq = ANY(\(seqs))"
        let rows = if let connection { try await connection.query(query, logger: logger) } else { try await primaryClient().query(query, logger: logger) }
        var nodes: [UInt64: ByteBuffer] = [:]
        for try await (seq, hashes) in rows.decode((Int64, ByteBuffer).self) { nodes[UInt64(seq)] = hashes }
        var found: [UInt64: EventHash] = [:]
        for index in wanted {
            let leaf = MerkleTree.leaf(storing: index)
            let offset = Int(index - MerkleTree.storedCount(leaves: leaf)) * 32
            guard let hashes = nodes[leaf + 1], offset + 32 <= hashes.readableBytes else { continue }
            found[index] = hashes.withUnsafeReadableBytes { EventHash(bytes: $0, at: offset) }
        }
        return found
    }

    public func verify(_ range: ClosedRange<GlobalPosition>?, progress: @escaping @Sendable (Int) -> Void) async throws -> VerificationReport {
        guard let head = try await head() else { return VerificationReport(checked: 0, head: nil, failure: nil) }
        let first = max(range?.lowerBound ?? .first, .first)
        let last = min(range?.upperBound ?? head.position, head.position)
        guard first <= last else { return VerificationReport(checked: 0, head: nil, failure: nil) }
        var previous = EventHash.zero
        if first > .first {
            let before = GlobalPosition(first.rawValue - 1)
            previous = try await reduceRecords(in: before...before, into: previous) { hash, record in hash = record.hash }
        }
        var verifier = ChainVerifier(start: first, previousHash: previous)
        var known = Set<String>()  // streams whose earlier events the verifier has seen
        var next = first.rawValue
        while next <= last.rawValue {
            let through = min(last.rawValue, next + 8_191)
            // The page's records, and the hashes of the events before the range of streams first met in it.
            let page = try await reduceRecords(in: GlobalPosition(next)...GlobalPosition(through), into: [[UInt8]]()) { page, record in
                page.append(Array(record.bytes))
            }
            var wanted: [(String, Int64)] = []
            for bytes in page {
                bytes.withUnsafeBytes { raw in
                    guard let record = try? RecordView(bytes: raw, at: GlobalPosition(1)) else { return }
                    let stream = record.streamName
                    if known.insert(stream).inserted, record.version > StreamVersion(1) { wanted.append((stream, Int64(record.version.rawValue - 1))) }
                }
            }
            let earlier = try await mapped { try await streamHashes(wanted) }
            for (offset, bytes) in page.enumerated() {
                let key = GlobalPosition(next + UInt64(offset))
                let failure = try bytes.withUnsafeBytes { raw in
                    try verifier.check(try RecordView(bytes: raw, at: key), storedAt: key) { stream, version in earlier["\(stream)\u{0}\(version.rawValue)"] }
                }
                if let failure { return VerificationReport(checked: verifier.checked, head: verifier.head, failure: failure) }
            }
            if page.count < Int(through - next + 1) {
                return VerificationReport(checked: verifier.checked, head: verifier.head,
                                          failure: VerificationFailure(position: GlobalPosition(next + UInt64(page.count)), problem: .missing))
            }
            progress(verifier.checked)
            next = through + 1
        }
        return VerificationReport(checked: verifier.checked, head: verifier.head, failure: nil)
    }

    /// The hashes of the events at (stream, version), keyed "stream\0version".
    private func streamHashes(_ wanted: [(String, Int64)]) async throws -> [String: EventHash] {
        guard !wanted.isEmpty else { return [:] }
        var found: [String: EventHash] = [:]
        try await forEachRecord("""
            SELECT e.seq, e.record FROM dossierledger_events e
            JOIN unnest(\(wanted.map(\.0))::text[], \(wanted.map(\.1))::bigint[]) AS w(stream, version)
              ON e.stream = w.stream AND e.version = w.version
            """) { record in found["\(record.streamName)\u{0}\(record.version.rawValue)"] = record.hash }
        return found
    }
}
