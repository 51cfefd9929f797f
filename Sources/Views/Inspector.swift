public import DossierDomain
public import DossierLog
public import Projections
import EventLog
import Synchronization

/// The inspectors' views over the projections of one store (indicators.md): each query reads
/// one snapshot and returns a ``Report`` stamped with the checkpoint it reflects. Independent
/// of any user interface: the CLI and a web dashboard format the same reports.
public final class Inspector: Sendable {
    public let ledger: DossierLedger
    public let dossiers: StoredProjection<DossierProjection>
    /// The catalogs and calendar recorded up to the dossiers projection's checkpoint.
    public var rules: DomainRules { log.rules }
    /// The log itself, for states as of an instant and case histories.
    public let log: LogReader
    /// Where the `receipts` projection comes from: opened already, or opened (and caught up)
    /// the first time a view needs it, so that a view opens only the projections it reads.
    private let receiptsSource: Mutex<ReceiptsSource>

    private enum ReceiptsSource: Sendable {
        case opened(StoredProjection<ReceiptCounts>)
        case engine(ProjectionEngine, @Sendable (String, WorkProgress) -> Void)
    }

    public convenience init(ledger: DossierLedger, dossiers: StoredProjection<DossierProjection>, receipts: StoredProjection<ReceiptCounts>) async throws {
        try await self.init(ledger: ledger, dossiers: dossiers, receiptsSource: .opened(receipts))
    }

    private init(ledger: DossierLedger, dossiers: StoredProjection<DossierProjection>, receiptsSource: ReceiptsSource) async throws {
        self.ledger = ledger
        self.dossiers = dossiers
        self.receiptsSource = Mutex(receiptsSource)
        log = LogReader(ledger: ledger, rules: try await ledger.rules(through: try await dossiers.currentCheckpoint().position))
    }

    /// Opens (building or catching up as needed) the `dossiers` projection of `engine`; the
    /// others are opened when a view first needs them. `progress` names the projection.
    public static func open(_ engine: ProjectionEngine, progress: @escaping @Sendable (String, WorkProgress) -> Void = { _, _ in }) async throws -> Inspector {
        let dossiers = try await engine.open(DossierProjection.self) { progress(DossierProjection.name, $0) }
        return try await Inspector(ledger: engine.ledger, dossiers: dossiers, receiptsSource: .engine(engine, progress))
    }

    /// The `receipts` projection, opened and caught up the first time it is asked for.
    public func receipts() async throws -> StoredProjection<ReceiptCounts> {
        let source = receiptsSource.withLock { $0 }
        switch source {
        case .opened(let receipts):
            return receipts
        case .engine(let engine, let progress):
            let receipts = try await engine.open(ReceiptCounts.self) { progress(ReceiptCounts.name, $0) }
            receiptsSource.withLock { $0 = .opened(receipts) }
            return receipts
        }
    }
}

extension Period {
    /// The local date whose unit tree a period's roll-up uses: its last day.
    var treeDate: LocalDate { lastDay }
}
