/// A catch-up subscription: the log from a position, then live.
///
/// It reads in batches in seq order; once caught up it waits for the next event
/// (``EventReader/waitForEvent(at:atMost:)``: woken by the store where it can tell, else after
/// `pollInterval`), so it also sees events that other processes append. Because seq
/// is gap-free and every read is a consistent snapshot, each event arrives exactly once.
/// Iteration ends (returns `nil`) when the consuming task is cancelled.
///
/// ```swift
/// for try await event in store.subscribe(from: checkpoint.next) { apply(event) }
/// ```
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    let reader: any EventReader
    let start: GlobalPosition
    let pollInterval: Duration
    let batchSize = 1024

    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let subscription: EventSubscription
        var buffer: [RecordedEvent] = []
        var index = 0
        var next: GlobalPosition

        public mutating func next() async throws -> RecordedEvent? {
            while index == buffer.count {
                if Task.isCancelled { return nil }
                buffer = try await subscription.reader.readAll(from: next, limit: subscription.batchSize)
                index = 0
                if buffer.isEmpty {
                    do { try await subscription.reader.waitForEvent(at: next, atMost: subscription.pollInterval) } catch is CancellationError { return nil }
                }
            }
            defer { index += 1 }
            let event = buffer[index]
            next = event.position.next
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(subscription: self, next: start)
    }
}
