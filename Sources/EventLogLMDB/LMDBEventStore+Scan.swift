public import EventLog
import LedgerLMDB

extension LMDBEventStore {
    public func reduceRecords<Value: Sendable>(in range: ClosedRange<GlobalPosition>, into initial: Value,
                                                _ body: @escaping @Sendable (inout Value, borrowing RecordView) throws -> Void) async throws -> Value {
        // What `body` throws passes unchanged (not as a storage error).
        try await reading { txn -> Result<Value, any Error> in
            var value = initial
            var failure: (any Error)?
            try self.scan(txn, from: range.lowerBound) { record in
                guard record.position <= range.upperBound else { return false }
                do { try body(&value, record) } catch { failure = error }
                return failure == nil
            }
            return failure.map { .failure($0) } ?? .success(value)
        }.get()
    }

    /// Calls `body` with each stored record from `position` in seq order, in place, until it
    /// returns `false` or the log ends. The fastest way through the log (no copies).
    /// - Throws: `.corruptRecord` when a record cannot be framed; what `body` throws.
    @available(*, noasync, message: "use readAll(from:limit:) or subscribe(from:) from async code")
    public func scan(from position: GlobalPosition, _ body: (borrowing RecordView) throws -> Bool) throws {
        do {
            try environment.read { txn in try scan(txn, from: position, body) }
        } catch { throw EventStoreError(error) }
    }

    func scan(_ txn: borrowing ReadTransaction, from position: GlobalPosition,
              _ body: (borrowing RecordView) throws -> Bool) throws {
        try txn.withCursor(on: tables.log) { cursor in
            var step = Cursor.Position.atLeast(LedgerLMDB.BigEndian.bytes(position.rawValue))
            while try cursor.move(to: step, { key, value in
                guard let seq = loadSeq(key) else { throw EventStoreError(.corruptRecord, "log key of \(key.count) bytes") }
                return try body(try RecordView(bytes: value, at: GlobalPosition(seq)))
            }) == true {
                step = .next
            }
        }
    }
}
