import DossierDomain
import DossierLog
import EventLog
import Foundation
import Hummingbird
import Metrics
import Prometheus
import Projections
import Synchronization
import Views

/// The service's metrics (swift-metrics, exposed by swift-prometheus at `/metrics` for the
/// operator's token): requests and their durations by route and status, events appended, append
/// batch sizes, refusals by kind; and, measured at each scrape, the projection's lag behind the
/// log in events and the dossiers open and overdue.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Each route and status's timer, made once: the registry's lookup by name and labels (a lock,
    /// the names checked) is otherwise paid on every request.
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let appendedEvents: Metrics.Counter, batchSizes: Metrics.Recorder

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
        factory.defaultValueHistogramBuckets = [1, 2, 5, 10, 50, 100, 500, 1_000]
        self.factory = factory
        appendedEvents = Counter(label: "dossierledger_events_appended_total", factory: factory)
        batchSizes = Recorder(label: "dossierledger_append_batch_events", aggregate: true, factory: factory)
    }

    /// A request answered: its route (the pattern, not the path), status and duration.
    func request(route: String, status: Int, duration: Duration) {
        let timer = timers.withLock { timers in
            let key = "\(status) \(route)"
            if let made = timers[key] { return made }
            let made = Timer(label: "dossierledger_request_duration_seconds", dimensions: [("route", route), ("status", "\(status)")], factory: factory)
            timers[key] = made
            return made
        }
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func refused(_ kind: Problem.Kind) {
        Counter(label: "dossierledger_refusals_total", dimensions: [("kind", kind.rawValue)], factory: factory).increment()
    }

    func appended(_ events: Int, batch: Int) {
        appendedEvents.increment(by: events)
        batchSizes.record(batch)
    }

    /// The exposition text, after measuring what is measured at a scrape.
    func scrape(_ engine: ProjectionEngine) async throws -> String {
        let inspector = try await Inspector.open(engine)
        let head = try await engine.ledger.store.head()?.position.rawValue ?? 0
        let checkpoint = try await inspector.dossiers.currentCheckpoint().position.rawValue
        Gauge(label: "dossierledger_projection_lag_events", factory: factory).record(Int(head) - Int(checkpoint))
        let now = TimeGuard.wallClock()
        Gauge(label: "dossierledger_dossiers_overdue", factory: factory).record(try await inspector.lateList(asOf: now).rows.count)
        Gauge(label: "dossierledger_log_events", factory: factory).record(Int(head))
        return registry.emitToString()
    }
}
