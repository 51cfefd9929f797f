public import DossierDomain
import EventLog
public import LedgerLMDB

/// Every dossier's folded state, with the indexes the views need:
///
/// - `states`: dossier code -> ``DossierState/encoded()``;
/// - `by_end`: (end, code) -> (earliest legal due, receipt), for every received dossier; `end`
///   is its finish, or the far future while open. Open dossiers (and those finished after an
///   instant T) are the keys from T on: the late list and a period's population are short scans;
/// - `finished_late`: (finish, code) for dossiers finished late;
/// - `activity`: (instant, code) for feedback and home-support visits, which can come after the
///   finish or without a receipt;
/// - `summary`: `latest_at` -> the latest `at` of the events applied (the default report instant);
/// - `anomalies`: seq -> why the fold refused an event that is in the log (appended without the
///   domain's checks); the state skips it.
///
/// Instants in keys are big-endian microseconds with the sign bit flipped, so they sort in time.
public struct DossierProjection: Projection {
    public static let name = "dossiers"
    public static let version = 1
    public static let databases = [
        Database.Specification("states"), Database.Specification("by_end"), Database.Specification("finished_late"),
        Database.Specification("activity"), Database.Specification("summary"), Database.Specification("anomalies"),
    ]

    public let states: Database
    public let byEnd: Database
    public let finishedLate: Database
    public let activity: Database
    public let summary: Database
    public let anomalies: Database

    public init(databases: [Database]) {
        (states, byEnd, finishedLate, activity) = (databases[0], databases[1], databases[2], databases[3])
        (summary, anomalies) = (databases[4], databases[5])
    }

    private static let latestKey = Array("latest_at".utf8)

    /// The latest `at` among the events applied, or nil before any.
    public func latestAt(in txn: borrowing Transaction<some TransactionAccess>) throws -> Instant? {
        try Self.latestKey.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: summary) { Instant(microsecondsSinceEpoch: TimeKey.microseconds($0, at: 0)) }
        }
    }

    public func apply(_ events: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws {
        // Each dossier touched: the index entries of its stored state (to remove), and its state.
        var touched: [String: (stale: [IndexEntry], state: DossierState)] = [:]
        touched.reserveCapacity(events.count / 2)
        for item in events {
            let code = item.event.dossier
            if touched.index(forKey: code) == nil {
                // A dossier's first event: nothing stored to look up.
                let stored = item.version == StreamVersion(1) ? nil : try state(of: code, in: txn)
                touched[code] = (stored.map(indexEntries) ?? [], stored ?? DossierState(dossier: code))
            }
            guard let slot = touched.index(forKey: code) else { continue }
            do {
                try touched.values[slot].state.apply(item.event, rules: rules)
            } catch {
                try txn.put(Array(error.description.utf8), forKey: BigEndian.bytes(item.position.rawValue), in: anomalies)
            }
        }
        if let latest = events.map(\.event.at).max(), try latestAt(in: txn).map({ latest > $0 }) ?? true {
            try txn.put(TimeKey.bytes(latest), forKey: Self.latestKey, in: summary)
        }
        for code in touched.keys.sorted() {
            guard let entry = touched[code] else { continue }
            for stale in entry.stale { try stale.key.withUnsafeBytes { _ = try txn.delete(forKey: $0, in: stale.database) } }
            try txn.put(entry.state.encoded(), forKey: Array(code.utf8), in: states)
            for index in indexEntries(entry.state) { try txn.put(index.value, forKey: index.key, in: index.database) }
        }
    }

    /// A dossier's stored state, or nil.
    public func state(of code: String, in txn: borrowing Transaction<some TransactionAccess>) throws -> DossierState? {
        try Array(code.utf8).withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: states) { try DossierState(decoding: $0) }
        }
    }

    private struct IndexEntry {
        let database: Database
        let key: [UInt8]
        let value: [UInt8]
    }

    private func indexEntries(_ state: DossierState) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        let code = Array(state.dossier.utf8)
        if let receipt = state.receipt, let due = state.dues.compactMap(\.due).min() {
            let end = state.finish?.at
            entries.append(IndexEntry(database: byEnd, key: TimeKey.bytes(end) + code,
                                      value: TimeKey.bytes(due) + TimeKey.bytes(receipt.at)))
            if let finish = state.finish, state.onTimeClass() == .late {
                entries.append(IndexEntry(database: finishedLate, key: TimeKey.bytes(finish.at) + code, value: []))
            }
        }
        for event in state.feedback + state.visits {
            entries.append(IndexEntry(database: activity, key: TimeKey.bytes(event.at) + code, value: []))
        }
        return entries
    }
}

/// Instants as sortable 8-byte keys; nil is the far future (an open dossier's end).
public enum TimeKey: Sendable {
    public static func bytes(_ instant: Instant?) -> [UInt8] {
        BigEndian.bytes(instant.map { UInt64(bitPattern: $0.microseconds) ^ (1 << 63) } ?? UInt64.max)
    }

    /// The instant at `offset` in microseconds, `Int64.max` for the far future (or a short buffer).
    public static func microseconds(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        guard let raw = BigEndian.load(UInt64.self, from: bytes, at: offset), raw != UInt64.max else { return Int64.max }
        return Int64(bitPattern: raw ^ (1 << 63))
    }
}
