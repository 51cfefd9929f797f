public import DossierDomain
public import DossierLog
public import Projections
import EventLog

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
}

extension Period {
    /// The local date whose unit tree a period's roll-up uses: its last day.
    var treeDate: LocalDate { lastDay }
}
