public import DossierDomain
public import DossierLog
public import Projections
import EventLog
import LedgerLMDB

/// The inspectors' views over the projections of one store (indicators.md): each query reads
/// one snapshot and returns a ``Report`` stamped with the checkpoint it reflects. Independent
/// of any user interface: the CLI and a web dashboard format the same reports.
public final class Inspector: Sendable {
    public let ledger: DossierLedger
    public let dossiers: StoredProjection<DossierProjection>
    public let receipts: StoredProjection<ReceiptCounts>
    /// The catalogs and calendar recorded up to the dossiers projection's checkpoint.
    public var rules: DomainRules { log.rules }
    /// The log itself, for states as of an instant and case histories.
    public let log: LogReader

    public init(ledger: DossierLedger, dossiers: StoredProjection<DossierProjection>, receipts: StoredProjection<ReceiptCounts>) async throws {
        self.ledger = ledger
        self.dossiers = dossiers
        self.receipts = receipts
        log = LogReader(ledger: ledger, rules: try await ledger.rules(through: try dossiers.currentStatus().checkpoint.position))
    }

    /// Opens (building or catching up as needed) every built-in projection of `engine`.
    public static func open(_ engine: ProjectionEngine, progress: @Sendable (String, WorkProgress) -> Void = { _, _ in }) async throws -> Inspector {
        let dossiers = try await engine.open(DossierProjection.self) { progress(DossierProjection.name, $0) }
        let receipts = try await engine.open(ReceiptCounts.self) { progress(ReceiptCounts.name, $0) }
        return try await Inspector(ledger: engine.ledger, dossiers: dossiers, receipts: receipts)
    }

    /// A consistent read of the dossiers projection: its provenance and report instant with
    /// whatever `body` reads.
    func snapshot<R>(asOf: Instant?, _ body: (borrowing ReadTransaction, Instant) throws -> R) throws -> (Provenance, Instant, R) {
        try dossiers.read { txn in
            let provenance = try dossiers.provenance(txn)
            let instant = try asOf ?? dossiers.projection.latestAt(in: txn) ?? Instant(microsecondsSinceEpoch: 0)
            return (provenance, instant, try body(txn, instant))
        }
    }

    /// Every dossier with something in `period`: its population (received before the end, not
    /// finished before the start) and those with feedback or a home-support visit in it.
    func states(activeIn period: Period, _ txn: borrowing ReadTransaction) throws -> [DossierState] {
        let projection = dossiers.projection
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
        return try codes.sorted().compactMap { try projection.state(of: $0, in: txn) }
    }
}

extension Period {
    /// The local date whose unit tree a period's roll-up uses: its last day.
    var treeDate: LocalDate { lastDay }
}
