import EventLog
import Synchronization

/// An append waiting for the writer, with the caller to resume after its commit.
struct PendingAppend: Sendable {
    let batch: [StreamAppend]
    let continuation: CheckedContinuation<AppendResult, any Error>
}

/// The queue between appenders and the writer: appenders enqueue, and the writer takes
/// everything queued as one group (one transaction, one sync). While a commit is syncing, the
/// next group gathers.
///
/// Measured: with 16 appenders most groups hold all 16. Waiting briefly after a commit for the
/// resumed callers to return filled every group, but did not raise throughput (a commit's cost
/// grows with the pages its events dirty), so the writer never waits.
final class PendingAppends: Sendable {
    private struct State: ~Copyable {
        var requests: [PendingAppend] = []
        var draining = false
    }

    private let state = Mutex(State())

    /// Queues `request`; returns `true` when the caller must start the writer's drain.
    func enqueue(_ request: PendingAppend) -> Bool {
        state.withLock { state in
            state.requests.append(request)
            defer { state.draining = true }
            return !state.draining
        }
    }

    /// Takes every queued request. An empty result means the queue is empty and the drain is
    /// over: the next enqueue starts a new one.
    func takeGroup() -> [PendingAppend] {
        state.withLock { state in
            if state.requests.isEmpty { state.draining = false }
            defer { state.requests.removeAll(keepingCapacity: true) }
            return state.requests
        }
    }
}
