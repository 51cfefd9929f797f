public import DossierDomain
import LedgerLMDB

/// What a view asks of the `dossiers` projection, answered from one consistent snapshot, in
/// plain values: the views never see the projection's keys, transactions or backend.
public struct DossierSelection: Sendable {
    public let provenance: Provenance
    /// The instant the view judges at: the one asked, else the latest `at` applied (else the epoch).
    public let instant: Instant
    /// States of the selected dossiers that have no event after ``instant``.
    public let current: [DossierState]
    /// The latest stored states of the selected dossiers that have events after ``instant``:
    /// fold their events up to it from the log.
    public let later: [DossierState]
}

/// Which dossiers open at an instant a selection keeps.
public enum OpenSelection: Sendable, Hashable {
    /// Open at the instant, its earliest legal due before it (or no due known): the late list, the sweep.
    case dueBefore
    /// Every dossier open at the instant: the due-soon list.
    case all
}

extension StoredProjection where P == DossierProjection {
    /// The dossiers open at `asOf` (default: the latest `at` applied), received by then and
    /// not finished by then, as `selection` keeps them; with `includeFinishedLate`, also those
    /// finished late by then. The `by_end` index makes "now" a scan of the open dossiers only.
    public func openDossiers(asOf: Instant?, _ selection: OpenSelection, includeFinishedLate: Bool = false) async throws -> DossierSelection {
        try await reading { [projection] txn in
            let instant = try asOf ?? projection.latestAt(in: txn) ?? Instant(microsecondsSinceEpoch: 0)
            let bound = selection == .dueBefore ? instant.microseconds : Int64.max
            var found: [DossierState] = []
            var codes: [String] = []
            if asOf == nil {
                // Now: the open dossiers (none finished after the latest instant), decoded once per checkpoint.
                found = try self.openStates(txn).filter { state in
                    guard let receipt = state.receipt, let due = state.indexedDue else { return false }
                    return due.microseconds < bound && receipt.at <= instant
                }
            } else {
                try txn.withCursor(on: projection.byEnd) { cursor in
                    var step = Cursor.Position.atLeast(TimeKey.bytes(instant + 1))
                    while let code = try cursor.move(to: step, { key, value -> String? in
                        let due = TimeKey.microseconds(value, at: 0), received = TimeKey.microseconds(value, at: 8)
                        return due < bound && received <= instant.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : ""
                    }) {
                        if let code, !code.isEmpty { codes.append(code) }
                        step = .next
                    }
                }
            }
            if includeFinishedLate {
                try txn.withCursor(on: projection.finishedLate) { cursor in
                    var step = Cursor.Position.first
                    while let code = try cursor.move(to: step, { key, _ -> String? in
                        TimeKey.microseconds(key, at: 0) <= instant.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : nil
                    }), let code {
                        codes.append(code)
                        step = .next
                    }
                }
            }
            found += try codes.compactMap { try projection.state(of: $0, in: txn) }
            var current: [DossierState] = [], later: [DossierState] = []
            for state in found {
                if let last = state.lastAt, last > instant { later.append(state) } else { current.append(state) }
            }
            return DossierSelection(provenance: try self.provenance(txn), instant: instant, current: current, later: later)
        }
    }

    /// Every dossier with something in `period`: its population (received before the end, not
    /// finished before the start) and those with feedback, a home-support visit or a correction
    /// in it; judged at the latest `at` applied.
    public func dossiers(activeIn period: Period) async throws -> DossierSelection {
        try await reading { [projection] txn in
            var codes: Set<String> = []
            try txn.withCursor(on: projection.byEnd) { cursor in
                var step = Cursor.Position.atLeast(TimeKey.bytes(period.start))
                while let code = try cursor.move(to: step, { key, value -> String? in
                    TimeKey.microseconds(value, at: 8) < period.end.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : ""
                }) {
                    if let code, !code.isEmpty { codes.insert(code) }
                    step = .next
                }
            }
            try txn.withCursor(on: projection.activity) { cursor in
                var step = Cursor.Position.atLeast(TimeKey.bytes(period.start))
                while let code = try cursor.move(to: step, { key, _ -> String? in
                    TimeKey.microseconds(key, at: 0) < period.end.microseconds ? String(decoding: key.dropFirst(8), as: UTF8.self) : nil
                }), let code {
                    codes.insert(code)
                    step = .next
                }
            }
            let instant = try projection.latestAt(in: txn) ?? Instant(microsecondsSinceEpoch: 0)
            let states = try codes.sorted().compactMap { try projection.state(of: $0, in: txn) }
            return DossierSelection(provenance: try self.provenance(txn), instant: instant, current: states, later: [])
        }
    }

    /// The latest `at` among the events applied, or nil before any.
    public func latestAt() async throws -> Instant? {
        try await reading { [projection] in try projection.latestAt(in: $0) }
    }
}

extension StoredProjection where P == ReceiptCounts {
    /// The receipts of the days `first` through `last`, summed per receiving unit.
    public func receipts(from first: LocalDate, through last: LocalDate) async throws -> (Provenance, [String: ReceiptCounts.Counts]) {
        try await reading { [projection] txn in
            var perUnit: [String: ReceiptCounts.Counts] = [:]
            try txn.withCursor(on: projection.received) { cursor in
                var step = Cursor.Position.atLeast(ReceiptCounts.key(day: first, unit: ""))
                while try cursor.move(to: step, { key, value -> Bool in
                    guard let (day, unit) = ReceiptCounts.day(ofKey: key), day <= last.daysSinceEpoch else { return false }
                    perUnit[unit, default: .init()] = perUnit[unit, default: .init()] + ReceiptCounts.Counts(value)
                    return true
                }) == true {
                    step = .next
                }
            }
            return (try self.provenance(txn), perUnit)
        }
    }
}
