public import EventLog
import Logging
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// The channel on which a transaction that extends the log tells listeners, at its commit.
    static let appendedChannel = "dossierledger_appended"

    /// Tells listeners that the log grew, when the transaction on `connection` commits.
    func notifyAppended(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(Self.appendedChannel), '')", logger: logger)
    }

    /// Returns when a transaction that extends the log commits (heard with LISTEN on a
    /// connection of the store's own, from any process), once an event at `position` is stored,
    /// or after `interval` when nothing is listening yet (the connection is being made, or was
    /// lost with the primary); while it listens, after 5 s at the latest.
    public func waitForEvent(at position: GlobalPosition, atMost interval: Duration) async throws {
        let (generation, listening) = appended.start(self)
        // An event committed before the generation was read is seen here, not waited for.
        if let head = try await head(), head.position >= position { return }
        try await appended.wait(after: generation, atMost: listening ? max(interval, .seconds(5)) : interval)
    }
}

/// The store's LISTEN: a task holding one connection of the pool that counts the log's
/// commits, and the subscriptions waiting for the next.
final class AppendListener: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var listening = false
        var task: Task<Void, Never>?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose time ran out before they were waiting.
        var expired: Set<Int> = []
        var nextWaiter = 0
    }
    private let state = Mutex(State())

    deinit { state.withLock { $0.task?.cancel() } }

    /// Starts listening unless it does; returns the commits counted so far and whether it listens.
    func start(_ store: PostgresEventStore) -> (generation: UInt64, listening: Bool) {
        state.withLock { state in
            if state.task == nil {
                state.task = Task { [weak store, weak self] in
                    do {
                        guard let store else { return }
                        try await store.primaryClient().withConnection { connection in
                            try await connection.listen(on: PostgresEventStore.appendedChannel) { notifications in
                                self?.state.withLock { $0.listening = true }
                                for try await _ in notifications { self?.wake() }
                            }
                        }
                    } catch {}
                    // Lost (with the primary, or the store is closing): the next wait starts again.
                    self?.state.withLock { state in
                        state.listening = false
                        state.task = nil
                    }
                    self?.wake()
                }
            }
            return (state.generation, state.listening)
        }
    }

    /// Counts a commit and wakes every waiter.
    private func wake() {
        let waiters = state.withLock { state in
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a commit after `generation` is counted, after `interval`, or at cancellation
    /// (then throwing).
    func wait(after generation: UInt64, atMost interval: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timeout = Task { [weak self] in
            guard (try? await Task.sleep(for: interval)) != nil else { return }  // cancelled: the wait is over
            self?.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.generation != generation || Task.isCancelled || state.expired.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            resume(id)
        }
        timeout.cancel()
        state.withLock { _ = $0.expired.remove(id) }
        try Task.checkCancellation()
    }

    private func resume(_ id: Int) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.expired.insert(id)
                return nil
            }
            return waiter
        }?.resume()
    }
}
