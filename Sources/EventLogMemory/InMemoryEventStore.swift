public import EventLog
import Synchronization

/// An event store in memory, for tests of the layers above the store (the domain on a store,
/// projections, views): the same records, hash chain, expected versions, idempotency, atomic
/// batches and bulk loads as every backend, checked by the same conformance suite, and nothing
/// durable. Never a replacement for testing a backend.
public final class InMemoryEventStore: EventStore, BulkLoading {
    /// The log, its indexes and the time source.
    private struct State {
        /// Record bytes (the stored record format) of seq 1, 2, 3, …
        var records: [[UInt8]] = []
        /// Each stream's seqs, version 1 first.
        var streams: [StreamID: [UInt64]] = [:]
        var ids: [EventID: UInt64] = [:]
        /// The Merkle tree's stored hashes, in stored-index order, and its right edge.
        var tree: [EventHash] = []
        var frontier = MerkleTree.Frontier(size: 0, hashes: [])
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> RecordedTime

    /// - Parameter clock: when events are recorded (never decreasing along the log: a clock
    ///   that goes back is held at the last time).
    public init(clock: @escaping @Sendable () -> RecordedTime = { RecordedTime.now() }) {
        self.clock = clock
    }

    // MARK: Reading

    public func head() async throws -> LogHead? {
        state.withLock { state in state.records.last.map { Self.view($0) { LogHead(position: $0.position, hash: $0.hash, recorded: $0.recorded) } } }
    }

    public func read(stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        state.withLock { state in
            guard limit > 0, let seqs = state.streams[stream], !seqs.isEmpty else { return [] }
            let chosen: [UInt64]
            switch direction {
            case .forward:
                let start = Int(max(version.rawValue, 1))
                guard start <= seqs.count else { return [] }
                chosen = Array(seqs[(start - 1)..<min(seqs.count, start - 1 + limit)])
            case .backward:
                let start = Int(min(version.rawValue, UInt64(seqs.count)))
                guard start >= 1 else { return [] }
                chosen = Array(seqs[max(0, start - limit)..<start].reversed())
            }
            return chosen.map { Self.view(state.records[Int($0) - 1]) { $0.decode() } }
        }
    }

    public func readAll(from position: GlobalPosition, limit: Int) async throws -> [RecordedEvent] {
        state.withLock { state in
            let start = Int(max(position.rawValue, 1)) - 1
            guard limit > 0, start < state.records.count else { return [] }
            return state.records[start..<min(state.records.count, start + limit)].map { Self.view($0) { $0.decode() } }
        }
    }

    public func reduceRecords<Value: Sendable>(in range: ClosedRange<GlobalPosition>, into initial: Value,
                                                _ body: @escaping @Sendable (inout Value, borrowing RecordView) throws -> Void) async throws -> Value {
        let records = state.withLock { state in  // the arrays are shared, not copied
            let first = Int(clamping: max(range.lowerBound.rawValue, 1)) - 1
            let end = min(Int(clamping: range.upperBound.rawValue), state.records.count)
            return first < end ? Array(state.records[first..<end]) : []
        }
        var result = initial
        for bytes in records { try Self.view(bytes) { record throws in try body(&result, record) } }
        return result
    }

    public func event(id: EventID) async throws -> RecordedEvent? {
        state.withLock { state in state.ids[id].map { Self.view(state.records[Int($0) - 1]) { $0.decode() } } }
    }

    public func firstPosition(recordedAtOrAfter time: RecordedTime) async throws -> GlobalPosition? {
        state.withLock { state in
            var (low, high) = (0, state.records.count)
            while low < high {
                let middle = (low + high) / 2
                if Self.view(state.records[middle], { $0.recorded }) < time { low = middle + 1 } else { high = middle }
            }
            return low < state.records.count ? GlobalPosition(UInt64(low + 1)) : nil
        }
    }

    public func verify(_ range: ClosedRange<GlobalPosition>?, progress: @escaping @Sendable (Int) -> Void) async throws -> VerificationReport {
        try state.withLock { state in
            let first = Int(max(range?.lowerBound.rawValue ?? 1, 1))
            let last = min(Int(range?.upperBound.rawValue ?? UInt64(state.records.count)), state.records.count)
            let previous = first > 1 && first - 1 <= state.records.count ? Self.view(state.records[first - 2]) { $0.hash } : EventHash.zero
            var verifier = ChainVerifier(start: GlobalPosition(UInt64(first)), previousHash: previous)
            guard first <= last else { return VerificationReport(checked: 0, head: nil, failure: nil) }
            for seq in first...last {
                let bytes = state.records[seq - 1]
                let failure = try bytes.withUnsafeBytes { raw in
                    let record = try RecordView(bytes: raw, at: GlobalPosition(UInt64(seq)))
                    return try verifier.check(record, storedAt: GlobalPosition(UInt64(seq))) { stream, version in
                        guard let seqs = state.streams[try StreamID(stream)], Int(version.rawValue) <= seqs.count else { return nil }
                        return Self.view(state.records[Int(seqs[Int(version.rawValue) - 1]) - 1]) { $0.hash }
                    }
                }
                if let failure { return VerificationReport(checked: verifier.checked, head: verifier.head, failure: failure) }
                if verifier.checked % 65_536 == 0 { progress(verifier.checked) }
            }
            return VerificationReport(checked: verifier.checked, head: verifier.head, failure: nil)
        }
    }

    public func treeHashes(_ indexes: [UInt64]) async throws -> [EventHash] {
        try state.withLock { state in
            try indexes.map { index in
                guard index < state.tree.count else { throw EventStoreError(.invalidEvent, "the tree has no stored hash \(index)") }
                return state.tree[Int(index)]
            }
        }
    }

    public func statistics() async throws -> StoreStatistics {
        state.withLock { state in
            StoreStatistics(events: UInt64(state.records.count), streams: UInt64(state.streams.count),
                            bytes: state.records.reduce(0) { $0 + $1.count })
        }
    }

    // MARK: Writing

    public func append(_ batch: [StreamAppend]) async throws -> AppendResult {
        try state.withLock { state in
            var staged = state  // copy-on-write: nothing is kept unless the whole batch passes
            let plan = try AppendPlan(batch, version: { StreamVersion(UInt64(staged.streams[$0]?.count ?? 0)) },
                                      stored: { id in staged.ids[id].map { Self.view(staged.records[Int($0) - 1]) { $0.decode() } } })
            var positions: ClosedRange<GlobalPosition>?
            for (stream, event) in plan.events {
                let seq = try Self.write(event, to: stream, replica: nil, &staged, clock: clock)
                positions = positions.map { $0.lowerBound...GlobalPosition(seq) } ?? GlobalPosition(seq)...GlobalPosition(seq)
            }
            state = staged
            return AppendResult(positions: positions, duplicates: plan.duplicates, streamVersions: plan.versions)
        }
    }

    public func bulkLoad<Source: BulkEventSource>(from original: Source) async throws -> (result: AppendResult, source: Source) {
        var source = original
        try source.rewind()
        var staged = state.withLock { $0 }
        let before = staged.records.count
        var duplicates = 0
        while let item = try source.next({ lookup in try Self.answer(lookup, staged) }) {
            let id = try EventID(String(decoding: item.id, as: UTF8.self))
            let stream = try StreamID(String(decoding: item.stream, as: UTF8.self))
            let event = try ProposedEvent(id: id, type: String(decoding: item.type, as: UTF8.self), payload: Array(item.payload))
            if let seq = staged.ids[id] {
                try AppendPlan.checkDuplicate(event, in: stream, stored: Self.view(staged.records[Int(seq) - 1]) { $0.decode() })
                duplicates += 1
                continue
            }
            _ = try Self.write(event, to: stream, replica: item.replica, &staged, clock: clock)
        }
        let loaded = staged
        let after = try state.withLock { state in
            guard state.records.count == before else {
                throw EventStoreError(.storage, "the log changed during the bulk load; load again")
            }
            state = loaded
            return state.records.count
        }
        let positions = after > before ? GlobalPosition(UInt64(before + 1))...GlobalPosition(UInt64(after)) : nil
        return (AppendResult(positions: positions, duplicates: duplicates, streamVersions: [:]), source)
    }

    // MARK: The record

    private static func view<R>(_ bytes: [UInt8], _ body: (borrowing RecordView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            // Records are written by this store: they always frame.
            guard let record = try? RecordView(bytes: raw, at: GlobalPosition(UInt64(raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self).bigEndian))) else {
                preconditionFailure("a record written by the in-memory store does not frame")
            }
            return try body(record)
        }
    }

    /// Writes one checked event: the next seq, the stream's next version, both links.
    private static func write(_ event: ProposedEvent, to stream: StreamID, replica: ReplicaFields?, _ state: inout State,
                              clock: @escaping @Sendable () -> RecordedTime) throws -> UInt64 {
        let seqs = state.streams[stream] ?? []
        let streamHead = (StreamVersion(UInt64(seqs.count)), seqs.last.map { view(state.records[Int($0) - 1]) { $0.hash } } ?? .zero)
        var chain = ChainExtender(head: state.records.last.map { view($0) { LogHead(position: $0.position, hash: $0.hash, recorded: $0.recorded) } },
                                  clock: clock)
        let (position, record) = try chain.record(event, to: stream, after: streamHead, replica: replica)
        state.records.append(record)
        state.frontier.append(eventHash: view(record) { $0.hash }) { state.tree.append($0) }
        state.streams[stream, default: []].append(position.rawValue)
        state.ids[event.id] = position.rawValue
        return position.rawValue
    }

    /// A bulk source's question, answered from the load so far.
    private static func answer(_ lookup: BulkLookup, _ state: State) throws -> BulkLookupResult {
        switch lookup {
        case .restartSlots:
            return .events([])
        case .stream(let stream):
            return .events((state.streams[stream] ?? []).map { view(state.records[Int($0) - 1]) { $0.decode() } })
        case .event(let id):
            let key = try EventID(String(decoding: id, as: UTF8.self))
            return .event(state.ids[key].map { view(state.records[Int($0) - 1]) { $0.decode() } })
        }
    }
}
