import EventLog
import EventLogLMDB
import LedgerTesting
import Synchronization

/// An event with a deterministic payload.
func event(_ id: String, _ payload: String = "payload", type: String = "test.happened.v1") throws -> ProposedEvent {
    try ProposedEvent(id: EventID(id), type: type, payload: Array(payload.utf8))
}

func stream(_ name: String) throws -> StreamID { try StreamID(name) }

/// A clock that advances one second per reading, from 2025-01-01T00:00:00Z.
final class SteppingClock: Sendable {
    private let next = Mutex<Int64>(1_735_689_600_000_000)
    func read() -> RecordedTime {
        next.withLock { value in
            defer { value += 1_000_000 }
            return RecordedTime(rawValue: value)
        }
    }
}

/// Opens a store in the current test's temporary directory.
func openStore(_ name: String = "store", _ configuration: LMDBEventStore.Configuration = .init()) throws -> LMDBEventStore {
    try LMDBEventStore(path: TemporaryDirectory.path + "/" + name, configuration: configuration)
}

/// Every event of the log, in seq order.
func everything(_ store: LMDBEventStore) async throws -> [RecordedEvent] {
    var all: [RecordedEvent] = []
    while true {
        let batch = try await store.readAll(from: GlobalPosition(UInt64(all.count + 1)), limit: 10_000)
        if batch.isEmpty { return all }
        all += batch
    }
}
