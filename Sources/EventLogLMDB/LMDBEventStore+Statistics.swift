import Dispatch
public import EventLog
public import LedgerLMDB

extension LMDBEventStore {
    public func statistics() async throws -> StoreStatistics {
        let tables = try await withCheckedThrowingContinuation { continuation in
            readers.async { continuation.resume(with: Result { try self.tableStatistics() }) }
        }
        let count = { (name: String) in UInt64(tables.first { $0.name == name }?.statistics.entries ?? 0) }
        return StoreStatistics(events: count(self.tables.log.name), streams: count(self.tables.streams.name), bytes: environment.usedBytes)
    }

    /// Pages and entries of each of the store's databases, for `stats` and the benchmark.
    @available(*, noasync, message: "reads the environment on the caller's thread")
    public func tableStatistics() throws -> [(name: String, statistics: DatabaseStatistics)] {
        do {
            return try environment.read { txn in
                try [tables.log, tables.ids, tables.streams, tables.streamIndex].map { ($0.name, try txn.statistics(of: $0)) }
            }
        } catch { throw EventStoreError(error) }
    }

    /// ``HotCopying``: a consistent, compacted copy of the store in `directory` (existing and empty), taken
    /// while appends and reads go on; returns the copy's head as it verified.
    /// - Throws: ``EventStoreError`` when the copy cannot be written or does not verify.
    public func backup(to directory: String) async throws -> VerificationReport {
        try await withCheckedThrowingContinuation { continuation in
            readers.async {
                continuation.resume(with: Result {
                    do { try self.environment.copy(to: directory, compact: true) } catch { throw EventStoreError(error) }
                })
            }
        }
        let copy = try LMDBEventStore(path: directory, configuration: .init(readOnly: true))
        return try await copy.verify(nil)
    }
}

extension LMDBEventStore: HotCopying {}
