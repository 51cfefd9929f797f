public import DossierDomain
import DossierLog
public import EventLog
public import Projections

/// What `dossier stats` and the operator's `GET /v1/admin/stats` tell: the log's size and head,
/// the store's bytes, the calendar years loaded (with a warning when dues will soon reach a year
/// whose days off are unknown), and each projection's checkpoint.
public struct LedgerStatistics: Sendable {
    public let head: LogHead?
    /// Dossier streams (the system streams aside).
    public let dossiers: Int
    public let storeBytes: Int
    /// The last calendar year loaded, if any.
    public let calendarLoadedThrough: Int?
    /// Set when the latest event (the latest `at` among the last 4,096 appended) is within 60 days
    /// of the end of the last year loaded: views would soon leave dossiers unjudged.
    public let calendarWarning: Phrase?
    /// Each built-in projection's version and checkpoint, nil when it is not built.
    public let projections: [(name: String, status: (version: Int?, checkpoint: Checkpoint)?)]

    /// Reads them from the engine's ledger and projections.
    public static func gather(_ engine: ProjectionEngine) async throws -> LedgerStatistics {
        let store = engine.ledger.store
        let head = try await store.head()
        let statistics = try await store.statistics()
        var systemStreams = 0  // the catalog's, and the tokens' once one is granted
        for name in [CatalogEntry.stream, CatalogEntry.accessStream] {
            if try await store.lastVersion(of: StreamID(name)) != .none { systemStreams += 1 }
        }
        let years = try await engine.ledger.rules().calendar.loadedYears.map(\.year)
        let (last, warning) = try await calendar(years.max(), store: store, head: head)
        return LedgerStatistics(head: head, dossiers: max(0, Int(statistics.streams) - systemStreams), storeBytes: statistics.bytes,
                                calendarLoadedThrough: last, calendarWarning: warning,
                                projections: try builtInProjections.map { ($0.name, try engine.status(of: $0.name)) })
    }

    private static func calendar(_ last: Int?, store: any EventReader, head: LogHead?) async throws -> (Int?, Phrase?) {
        guard let last, let head else { return (last, nil) }
        let from = GlobalPosition(head.position.rawValue > 4096 ? head.position.rawValue - 4095 : 1)
        var latest: Instant?
        for record in try await store.readAll(from: from, limit: 4096) {
            if case .dossier(let event) = try Records.decode(record) { latest = max(latest ?? event.at, event.at) }
        }
        guard let latest else { return (last, nil) }
        let daysLeft = LocalDate(year: last, month: 12, day: 31).daysSinceEpoch - latest.localDate.daysSinceEpoch
        guard daysLeft <= 60 else { return (last, nil) }
        return (last, "the latest event (\(latest.localDate)) is \(max(daysLeft, 0)) days from the end of \(last), the last calendar year loaded: load the notice of \(last + 1) (dossier import --calendar FILE) before dues reach it, or views will leave those dossiers unjudged")
    }
}
