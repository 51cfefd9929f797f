public import DossierDomain
import LedgerLMDB

/// The on-time rate's and accountability's counts the `dossiers` projection keeps per period
/// slot (``PeriodSlot``), so that a month's, a quarter's or a year's figures read a few hundred
/// rows instead of judging every dossier of the period.
///
/// Only *settled* dossiers are kept: finished, every custody step ended, and judgeable (no
/// calendar year missing). What such a dossier counts for in a period depends on its events and
/// the period only, not on the report instant. The others are judged when asked: the open ones
/// are the `by_end` index's last keys, the finished but unsettled ones are listed in
/// `unsettled`. A dossier's counts are taken off and put back whenever its events change it,
/// corrections included, so the kept counts always equal a judgement of the stored states.
///
/// `period_rates`: slot kind (1 byte), slot index (4 bytes, big-endian, sign bit flipped),
/// competent unit -> ``OutcomeCounts`` in their ``OutcomeCounts/all`` order, 4 bytes each.
/// `period_accountability`, for months only (calendar and cut on the 15th; facts are placed by
/// their own instant, so a quarter's or a year's counts are its months', but for the steps open
/// at its end, which are its last month's): slot kind and index, then `o` + officer, `u` + unit,
/// or `w` + officer + NUL + unit -> ``AccountabilityCounts`` in their ``AccountabilityCounts/all``
/// order, 8 bytes each (a `w` key counts, as `steps_held`, the officer's facts in that unit).
/// `period_dossiers`: the same `o` and `u` keys of calendar months -> the codes of the settled
/// dossiers counted there, sorted, one per line: what a count's link lists.
/// A key whose counts are all zero is deleted, so applying the log in any batches stores the same bytes.
enum KeptCounts {
    /// A slot and a competent unit: one row of kept on-time counts.
    struct RateKey: Hashable {
        let slot: PeriodSlot
        let unit: String

        var bytes: [UInt8] { KeptCounts.prefix(slot) + Array(unit.utf8) }
    }

    /// A slot and an accountability row: officer (`o`), unit (`u`), or an officer's unit (`w`).
    struct AccountabilityKey: Hashable {
        let slot: PeriodSlot
        let tag: UInt8
        let name: String
        var unit = ""

        var bytes: [UInt8] { KeptCounts.prefix(slot) + [tag] + Array(name.utf8) + (tag == KeptCounts.officerUnit ? [0] + Array(unit.utf8) : []) }
    }

    static let officer = UInt8(ascii: "o"), unit = UInt8(ascii: "u"), officerUnit = UInt8(ascii: "w")

    /// What a batch changes, summed.
    struct Sums {
        var rates: [RateKey: OutcomeCounts] = [:]
        var accountability: [AccountabilityKey: RowChange] = [:]
    }

    /// A row's change in a batch: its counts, and (calendar months) the dossiers listed or taken off.
    struct RowChange {
        var counts = AccountabilityCounts()
        var listed: [String] = []
        var unlisted: [String] = []

        /// One dossier's change (`listing` it, or taking it off, when the row lists its dossiers).
        mutating func add(_ change: AccountabilityCounts, listing dossier: String?, sign: Int) {
            counts += change
            guard let dossier else { return }
            if sign > 0 { listed.append(dossier) } else { unlisted.append(dossier) }
        }
    }

    static func prefix(_ slot: PeriodSlot) -> [UInt8] {
        [slot.kind.rawValue] + BigEndian.bytes(UInt32(bitPattern: Int32(truncatingIfNeeded: slot.index)) ^ (1 << 31))
    }

    static func encode(_ counts: [Int], width: Int) -> [UInt8] {
        counts.flatMap { width == 4 ? BigEndian.bytes(Int32(truncatingIfNeeded: $0)) : BigEndian.bytes(Int64($0)) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, width: Int) -> [Int] {
        stride(from: 0, to: bytes.count - width + 1, by: width).map {
            width == 4 ? Int(BigEndian.load(Int32.self, from: bytes, at: $0) ?? 0) : Int(BigEndian.load(Int64.self, from: bytes, at: $0) ?? 0)
        }
    }

    /// Adds (`sign` 1) or takes off (-1) what a settled dossier counts for: its outcome in every
    /// slot of its population, its accountability facts in the months (calendar and cut on the
    /// 15th) of their instants. Returns false, counting nothing, when the dossier is not settled.
    static func count(_ state: DossierState, rules: DomainRules, sign: Int, into sums: inout Sums) -> Bool {
        guard state.finish != nil || state.receipt == nil, state.steps.allSatisfy({ $0.end != nil }), state.missingCalendarYear == nil else { return false }
        var outcomes: [(PeriodSlot, PeriodOutcome)] = []
        outcomes.reserveCapacity(8)
        var rows = RowSums(catalog: rules.catalog)
        do {
            for kind in PeriodSlot.Kind.allCases {
                guard let receipt = state.receipt, let finish = state.finish else { break }
                let first = PeriodSlot(kind, holding: receipt.at).index, last = PeriodSlot(kind, holding: finish.at).index
                for index in first...max(first, last) {
                    let slot = PeriodSlot(kind: kind, index: index)
                    if let outcome = try state.outcome(in: slot.span, rules: rules) { outcomes.append((slot, outcome)) }
                }
            }
            // Settled: judged at its own last event, as at any later instant.
            let facts = state.voidFacts + (try state.judgedFacts(at: state.lastAt ?? Instant(microsecondsSinceEpoch: 0), rules: rules))
            let start = state.steps.map(\.start).min(), end = state.steps.compactMap(\.end).max()
            for kind in [PeriodSlot.Kind.month, .month15] {
                for fact in facts { rows.add(fact, in: PeriodSlot(kind, holding: fact.at)) }
                // Steps open (and late) at a month's end: only months ending inside the custody.
                guard let start, let end else { continue }
                for index in PeriodSlot(kind, holding: start).index...PeriodSlot(kind, holding: end).index {
                    let slot = PeriodSlot(kind: kind, index: index), slotEnd = slot.span.end
                    guard start < slotEnd, slotEnd < end else { continue }
                    for fact in try state.openLateFacts(at: slotEnd, rules: rules) { rows.add(fact, in: slot) }
                }
            }
        } catch {
            return false
        }
        if let unit = state.receipt?.competentUnit {
            for (slot, outcome) in outcomes { sums.rates[RateKey(slot: slot, unit: unit), default: OutcomeCounts()].count(outcome, times: sign) }
        }
        let factor = Int64(sign)
        for (key, counts) in zip(rows.keys, rows.counts) {
            let listing = key.slot.kind == .month && key.tag != officerUnit ? state.dossier : nil
            sums.accountability[key, default: RowChange()].add(counts.scaled(by: factor), listing: listing, sign: sign)
        }
        return true
    }

    /// One dossier's facts merged per row before they reach the batch's sums (a dozen rows at
    /// most: a linear search beats hashing).
    private struct RowSums {
        var keys: [AccountabilityKey] = []
        var counts: [AccountabilityCounts] = []
        /// Officers in the catalog: their unit is the catalog's, so their facts' units need not be kept.
        let catalogued: [String: Officer]

        init(catalog: Catalog) {
            catalogued = catalog.officers
            keys.reserveCapacity(12)
            counts.reserveCapacity(12)
        }

        /// A fact's presence, for an officer's units.
        static let presence = { var c = AccountabilityCounts(); c.stepsHeld = 1; return c }()

        mutating func add(_ fact: AccountabilityFact, in slot: PeriodSlot) {
            if let officer = fact.row(by: .officer) {
                add(AccountabilityKey(slot: slot, tag: KeptCounts.officer, name: officer), fact.counts)
                if catalogued[officer] == nil { add(AccountabilityKey(slot: slot, tag: KeptCounts.officerUnit, name: officer, unit: fact.unit), Self.presence) }
            }
            add(AccountabilityKey(slot: slot, tag: KeptCounts.unit, name: fact.unit), fact.counts)
        }

        private mutating func add(_ key: AccountabilityKey, _ change: AccountabilityCounts) {
            for index in keys.indices where keys[index] == key {
                counts[index] += change
                return
            }
            keys.append(key)
            counts.append(change)
        }
    }

    /// Adds and takes off the batch's dossiers in each row's list, in key order; deletes empty lists.
    /// A dossier is taken off (its old state) before it is listed again (its new state).
    static func write(codes changes: [[UInt8]: (listed: [String], unlisted: [String])], to database: Database, in txn: borrowing WriteTransaction) throws {
        for (key, change) in changes.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            // The stored list is sorted (bytewise): merged with the sorted new codes in one pass.
            let stored = try key.withUnsafeBytes { k in try txn.withValue(forKey: k, in: database) { Array($0) } } ?? []
            let removed = Set(change.unlisted.map { Array($0.utf8) })
            let kept = stored.split(separator: newline).map(Array.init).filter { !removed.contains($0) }
            let added = change.listed.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            var merged: [UInt8] = []
            merged.reserveCapacity(stored.count + added.count * 26)
            var (i, j) = (0, 0)
            func append(_ code: [UInt8]) {
                if !merged.isEmpty { merged.append(newline) }
                merged += code
            }
            while i < kept.count || j < added.count {
                if j == added.count || (i < kept.count && kept[i].lexicographicallyPrecedes(added[j])) {
                    append(kept[i]); i += 1
                } else if i == kept.count || added[j].lexicographicallyPrecedes(kept[i]) {
                    append(added[j]); j += 1
                } else {
                    append(kept[i]); i += 1; j += 1  // listed again
                }
            }
            if merged.isEmpty {
                _ = try key.withUnsafeBytes { try txn.delete(forKey: $0, in: database) }
            } else {
                try txn.put(merged, forKey: key, in: database)
            }
        }
    }

    static let newline = UInt8(ascii: "\n")

    /// Adds the batch's change to the stored counts, in key order; deletes counts that reach zero.
    static func write(_ changes: [[UInt8]: [Int]], width: Int, to database: Database, in txn: borrowing WriteTransaction) throws {
        for (key, delta) in changes.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) where delta.contains(where: { $0 != 0 }) {
            let stored = try key.withUnsafeBytes { k in try txn.withValue(forKey: k, in: database) { decode($0, width: width) } }
            let counts = stored.map { zip($0, delta).map { $0 + $1 } } ?? delta
            if counts.allSatisfy({ $0 == 0 }) {
                _ = try key.withUnsafeBytes { try txn.delete(forKey: $0, in: database) }
            } else {
                try txn.put(encode(counts, width: width), forKey: key, in: database)
            }
        }
    }
}
