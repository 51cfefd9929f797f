import Dispatch
import Glibc
public import DossierDomain
import EventLog
public import LedgerLMDB

/// Every dossier's folded state, with the indexes the views need:
///
/// - `states`: dossier code -> ``DossierState/encoded()``;
/// - `by_end`: (end, code) -> (earliest legal due, or the receipt when no due is known; receipt),
///   for every received dossier; `end`
///   is its finish, or the far future while open. Open dossiers (and those finished after an
///   instant T) are the keys from T on: the late list and a period's population are short scans;
/// - `finished_late`: (finish, code) for dossiers finished late;
/// - `activity`: (instant, code) for feedback, home-support visits and corrections, which can
///   come after the finish or without a receipt (a dossier whose every event was voided);
/// - `summary`: `latest_at` -> the latest `at` of the events applied (the default report instant);
/// - `anomalies`: seq -> why the fold refused an event that is in the log (appended without the
///   domain's checks); the state skips it;
/// - `period_rates`, `period_accountability`, `period_dossiers` and `unsettled`: the on-time
///   rate's and accountability's counts of settled dossiers per period slot, the dossiers behind
///   each accountability row per month, and the finished dossiers left out of them (``KeptCounts``).
///
/// Instants in keys are big-endian microseconds with the sign bit flipped, so they sort in time.
public struct DossierProjection: Projection {
    public static let name = "dossiers"
    public static let version = 3
    public static let databases = [
        Database.Specification("states"), Database.Specification("by_end"), Database.Specification("finished_late"),
        Database.Specification("activity"), Database.Specification("summary"), Database.Specification("anomalies"),
        Database.Specification("period_rates"), Database.Specification("period_accountability"), Database.Specification("period_dossiers"),
        Database.Specification("unsettled"),
    ]

    public let states: Database
    public let byEnd: Database
    public let finishedLate: Database
    public let activity: Database
    public let summary: Database
    public let anomalies: Database
    public let periodRates: Database
    public let periodAccountability: Database
    public let periodDossiers: Database
    public let unsettled: Database

    public init(databases: [Database]) {
        (states, byEnd, finishedLate, activity) = (databases[0], databases[1], databases[2], databases[3])
        (summary, anomalies, periodRates, periodAccountability) = (databases[4], databases[5], databases[6], databases[7])
        (periodDossiers, unsettled) = (databases[8], databases[9])
    }

    private static let latestKey = Array("latest_at".utf8)

    /// How many threads fold a batch's dossiers: the machine's online cores (at most 16).
    static let parallelism = max(1, min(16, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// The latest `at` among the events applied, or nil before any.
    public func latestAt(in txn: borrowing Transaction<some TransactionAccess>) throws -> Instant? {
        try Self.latestKey.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: summary) { Instant(microsecondsSinceEpoch: TimeKey.microseconds($0, at: 0)) }
        }
    }

    public func apply(_ events: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws {
        // 1. One piece of work per dossier touched, with its stored bytes and its events' indices.
        var slots: [String: Int] = [:]
        slots.reserveCapacity(events.count / 2)
        var work: [Work] = []
        work.reserveCapacity(events.count / 2)
        for (index, item) in events.enumerated() {
            let code = item.event.dossier
            if let slot = slots[code] {
                work[slot].events.append(index)
                continue
            }
            // A dossier's first event: nothing stored to look up.
            let stored = item.version == StreamVersion(1) ? nil : try Array(code.utf8).withUnsafeBytes { key in
                try txn.withValue(forKey: key, in: states) { Array($0) }
            }
            slots[code] = work.count
            work.append(Work(code: code, stored: stored, events: [index]))
        }
        // 2. Fold, encode and index every dossier, on every core: dossiers are independent.
        // Each core sums its dossiers' changes to the kept counts apart.
        let parts = Self.parallelism
        var sums = Array(repeating: KeptCounts.Sums(), count: parts)
        work.withUnsafeMutableBufferPointer { buffer in
            sums.withUnsafeMutableBufferPointer { sums in
                let (shared, sharedSums) = (SharedBuffer(buffer), SharedBuffer(sums))
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for k in stride(from: part, to: shared.buffer.count, by: parts) { fold(&shared.buffer[k], events, rules, kept: &sharedSums.buffer[part]) }
                }
            }
        }
        // 3. Write, in key order.
        var anomalies: [(GlobalPosition, String)] = []
        for piece in work {
            if let failure = piece.failure { throw ProjectionError("the stored state of \(piece.code) does not decode (\(failure)); rebuild the projection") }
            anomalies += piece.anomalies
        }
        var rates: [[UInt8]: [Int]] = [:], accountability: [[UInt8]: [Int]] = [:], codes: [[UInt8]: (listed: [String], unlisted: [String])] = [:]
        for part in sums {
            for (key, delta) in part.rates { rates[key.bytes] = zip(rates[key.bytes] ?? Array(repeating: 0, count: 14), delta.all).map { $0 + $1 } }
            for (key, change) in part.accountability {
                let bytes = key.bytes
                accountability[bytes] = zip(accountability[bytes] ?? Array(repeating: 0, count: 15), change.counts.all).map { $0 + Int($1) }
                if !change.listed.isEmpty || !change.unlisted.isEmpty {
                    codes[bytes, default: ([], [])].listed += change.listed
                    codes[bytes, default: ([], [])].unlisted += change.unlisted
                }
            }
        }
        for (position, reason) in anomalies.sorted(by: { $0.0 < $1.0 }) {
            try txn.put(Array(reason.utf8), forKey: BigEndian.bytes(position.rawValue), in: self.anomalies)
        }
        if let latest = events.map(\.event.at).max(), try latestAt(in: txn).map({ latest > $0 }) ?? true {
            try txn.put(TimeKey.bytes(latest), forKey: Self.latestKey, in: summary)
        }
        try KeptCounts.write(rates, width: 4, to: periodRates, in: txn)
        try KeptCounts.write(accountability, width: 8, to: periodAccountability, in: txn)
        try KeptCounts.write(codes: codes, to: periodDossiers, in: txn)
        work.sort { $0.code < $1.code }
        for piece in work {
            for stale in piece.stale { try stale.key.withUnsafeBytes { _ = try txn.delete(forKey: $0, in: stale.database) } }
            try txn.put(piece.encoded, forKey: Array(piece.code.utf8), in: states)
            for index in piece.entries { try txn.put(index.value, forKey: index.key, in: index.database) }
        }
    }

    /// One dossier's share of a batch.
    private struct Work {
        let code: String
        let stored: [UInt8]?
        var events: [Int]
        var stale: [IndexEntry] = []
        var encoded: [UInt8] = []
        var entries: [IndexEntry] = []
        var anomalies: [(GlobalPosition, String)] = []
        var failure: String?

        init(code: String, stored: [UInt8]?, events: [Int]) {
            self.code = code
            self.stored = stored
            self.events = events
        }
    }

    /// Folds a dossier's events of the batch into its stored state (a refused event is an
    /// anomaly, the state skips it) and prepares what is written; adds the change of its kept
    /// on-time counts to `rates`.
    private func fold(_ piece: inout Work, _ events: [ProjectedEvent], _ rules: DomainRules, kept: inout KeptCounts.Sums) {
        var state = DossierState(dossier: piece.code)
        if let stored = piece.stored {
            do {
                state = try stored.withUnsafeBytes { try DossierState(decoding: $0) }
            } catch {
                piece.failure = "\(error)"
                return
            }
            piece.stale = indexEntries(state, settled: KeptCounts.count(state, rules: rules, sign: -1, into: &kept))
        }
        for index in piece.events {
            do {
                if let replay = try events[index].replayThrough(rules: rules) {
                    state = replay.state  // a correction: the fold of the effective events that remain
                } else {
                    try state.apply(events[index].event, rules: rules)
                }
            } catch {
                piece.anomalies.append((events[index].position, error.description))
            }
        }
        piece.encoded = state.encoded()
        piece.entries = indexEntries(state, settled: KeptCounts.count(state, rules: rules, sign: 1, into: &kept))
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

    /// `settled`: whether the dossier's counts are kept (``KeptCounts``).
    private func indexEntries(_ state: DossierState, settled: Bool) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        let code = Array(state.dossier.utf8)
        // A dossier whose due is unknown (a calendar year not loaded) is indexed at its receipt,
        // so that every view meets it and says it could not judge it.
        if let receipt = state.receipt, let due = state.indexedDue {
            let end = state.finish?.at
            entries.append(IndexEntry(database: byEnd, key: TimeKey.bytes(end) + code,
                                      value: TimeKey.bytes(due) + TimeKey.bytes(receipt.at)))
            if let finish = state.finish, state.onTimeClass() == .late {
                entries.append(IndexEntry(database: finishedLate, key: TimeKey.bytes(finish.at) + code, value: []))
            }
        }
        // Not kept and not open (open ones are the last keys of `by_end`): judged when asked.
        if !settled, state.finish != nil || state.receipt == nil { entries.append(IndexEntry(database: unsettled, key: code, value: [])) }
        // An instant met twice writes the same key twice: harmless, and cheaper than a set.
        for event in state.feedback { entries.append(IndexEntry(database: activity, key: TimeKey.bytes(event.at) + code, value: [])) }
        for event in state.visits { entries.append(IndexEntry(database: activity, key: TimeKey.bytes(event.at) + code, value: [])) }
        for void in state.voids { entries.append(IndexEntry(database: activity, key: TimeKey.bytes(void.at) + code, value: [])) }
        return entries
    }
}

extension DossierState {
    /// The due `by_end` keeps beside a received dossier: its earliest legal due, or its receipt
    /// when no due is known (nil before a receipt).
    var indexedDue: Instant? { receipt.map { dues.compactMap(\.due).min() ?? $0.at } }
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
