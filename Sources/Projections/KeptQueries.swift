public import DossierDomain
import Glibc
import LedgerLMDB

/// What ``StoredProjection/periodRates(_:)`` found for a slot.
public struct KeptRates: Sendable {
    public let provenance: Provenance
    /// The latest `at` applied (else the epoch): the instant the others are judged at.
    public let instant: Instant
    /// The settled dossiers' counts per competent unit.
    public let settled: [String: OutcomeCounts]
    /// The dossiers to judge beside them: open ones received before the slot's end, and the
    /// finished ones not settled.
    public let unsettled: [DossierState]
}

/// What ``StoredProjection/keptAccountability(_:by:)`` found for a slot.
public struct KeptAccountability: Sendable {
    public let provenance: Provenance
    public let instant: Instant
    /// The settled dossiers' rows for each attribution asked, in order: per officer (with the
    /// units their facts happened in) or per unit.
    public let settled: [[String: AccountabilityShare]]
    public let unsettled: [DossierState]
}

extension StoredProjection where P == DossierProjection {
    /// The kept on-time counts of `slot` and the dossiers to judge beside them, from one snapshot.
    public func periodRates(_ slot: PeriodSlot) async throws -> KeptRates {
        try await reading { [projection] txn in
            var settled: [String: OutcomeCounts] = [:]
            try Self.scan(KeptCounts.prefix(slot), in: projection.periodRates, txn) { name, value in
                settled[String(decoding: name, as: UTF8.self)] = OutcomeCounts(KeptCounts.decode(value, width: 4))
            }
            return KeptRates(provenance: try self.provenance(txn), instant: try Self.instant(projection, txn), settled: settled,
                             unsettled: try self.unsettled(before: slot.span.end, txn))
        }
    }

    /// The kept accountability rows of `slot` (its months' summed) by each of `attributions`,
    /// and the dossiers to judge beside them, from one snapshot.
    public func keptAccountability(_ slot: PeriodSlot, by attributions: [Attribution]) async throws -> KeptAccountability {
        try await reading { [projection] txn in
            var settled: [[String: AccountabilityShare]] = []
            for attribution in attributions { settled.append(try Self.keptRows(slot, by: attribution, projection, txn)) }
            return KeptAccountability(provenance: try self.provenance(txn), instant: try Self.instant(projection, txn), settled: settled,
                                      unsettled: try self.unsettled(before: slot.span.end, txn))
        }
    }

    /// One attribution's rows of `slot`: its months' counts summed.
    private static func keptRows(_ slot: PeriodSlot, by attribution: Attribution, _ projection: DossierProjection,
                                 _ txn: borrowing ReadTransaction) throws -> [String: AccountabilityShare] {
        var settled: [String: AccountabilityShare] = [:]
        let months = slot.months
        for month in months {
            let prefix = KeptCounts.prefix(month)
            try scan(prefix + [attribution == .officer ? KeptCounts.officer : KeptCounts.unit], in: projection.periodAccountability, txn) { name, value in
                let key = String(decoding: name, as: UTF8.self)
                var counts = AccountabilityCounts(KeptCounts.decode(value, width: 8).map(Int64.init))
                if month != months.last { (counts.stepsOpenLate, counts.openOverrun) = (0, 0) }  // open at the slot's end: its last month's
                settled[key, default: AccountabilityShare()].counts += counts
                if attribution == .unit { settled[key]?.units = [key] }
            }
            guard attribution == .officer else { continue }
            try scan(prefix + [KeptCounts.officerUnit], in: projection.periodAccountability, txn) { name, _ in
                guard let nul = name.firstIndex(of: 0) else { return }
                settled[String(decoding: name[..<nul], as: UTF8.self), default: AccountabilityShare()].units.insert(String(decoding: name[(nul + 1)...], as: UTF8.self))
            }
        }
        return settled.filter { $0.value.counts != AccountabilityCounts() }  // only steps open at an earlier month's end
    }

    /// The dossiers that may count for one accountability row (`name`, an officer or a unit) in
    /// `slot`: the settled ones listed under its calendar months, and those the kept counts
    /// leave out. Judge them to know what each counts for.
    public func keptRowDossiers(_ slot: PeriodSlot, by attribution: Attribution, row name: String) async throws -> DossierSelection {
        try await reading { [projection] txn in
            let span = slot.span
            var codes: [[UInt8]] = []
            for index in PeriodSlot(.month, holding: span.start).index...PeriodSlot(.month, holding: span.end + -1).index {
                let key = KeptCounts.AccountabilityKey(slot: PeriodSlot(kind: .month, index: index), tag: attribution == .officer ? KeptCounts.officer : KeptCounts.unit,
                                                       name: name).bytes
                try key.withUnsafeBytes { k in
                    try txn.withValue(forKey: k, in: projection.periodDossiers) { list in codes += list.split(separator: KeptCounts.newline).map(Array.init) }
                }
            }
            // Once each, in key order: the lookups walk the B-tree forward.
            codes.sort(by: Self.precedes)
            var previous: [UInt8]?
            let encoded = try codes.compactMap { code -> [UInt8]? in
                defer { previous = code }
                guard code != previous else { return nil }
                return try code.withUnsafeBytes { key in try txn.withValue(forKey: key, in: projection.states) { Array($0) } }
            }
            let states = try Self.decode(encoded)
            return DossierSelection(provenance: try self.provenance(txn), instant: try Self.instant(projection, txn),
                                    current: states + (try self.unsettled(before: span.end, txn)), later: [])
        }
    }

    /// Byte order, as LMDB sorts keys.
    private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let order = a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                guard let xs = x.baseAddress, let ys = y.baseAddress else { return Int32(0) }  // one is empty: by length
                return memcmp(xs, ys, min(x.count, y.count))
            }
        }
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// Each key under `prefix` (without it) and its value.
    private static func scan(_ prefix: [UInt8], in database: Database, _ txn: borrowing ReadTransaction,
                             _ body: (UnsafeRawBufferPointer.SubSequence, UnsafeRawBufferPointer) -> Void) throws {
        try txn.withCursor(on: database) { cursor in
            var step = prefix.isEmpty ? Cursor.Position.first : .atLeast(prefix)
            while try cursor.move(to: step, { key, value -> Bool in
                guard key.starts(with: prefix) else { return false }
                body(key.dropFirst(prefix.count), value)
                return true
            }) == true {
                step = .next
            }
        }
    }

    private static func instant(_ projection: DossierProjection, _ txn: borrowing ReadTransaction) throws -> Instant {
        try projection.latestAt(in: txn) ?? Instant(microsecondsSinceEpoch: 0)
    }

    /// The dossiers the kept counts leave out: open ones received before `end` and those listed
    /// in `unsettled`.
    private func unsettled(before end: Instant, _ txn: borrowing ReadTransaction) throws -> [DossierState] {
        var codes: [String] = []
        try Self.scan([], in: projection.unsettled, txn) { name, _ in codes.append(String(decoding: name, as: UTF8.self)) }
        return try openStates(txn).filter { ($0.receipt?.at).map { $0 < end } ?? false } + codes.compactMap { try projection.state(of: $0, in: txn) }
    }
}
