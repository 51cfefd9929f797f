public import EventLog
import Synchronization

/// An event with a deterministic payload.
public func event(_ id: String, _ payload: String = "payload", type: String = "test.happened.v1") throws -> ProposedEvent {
    try ProposedEvent(id: EventID(id), type: type, payload: Array(payload.utf8))
}

public func stream(_ name: String) throws -> StreamID { try StreamID(name) }

/// A clock that advances one second per reading, from 2025-01-01T00:00:00Z.
public final class SteppingClock: Sendable {
    private let next = Mutex<Int64>(1_735_689_600_000_000)

    public init() {}

    public func read() -> RecordedTime {
        next.withLock { value in
            defer { value += 1_000_000 }
            return RecordedTime(rawValue: value)
        }
    }
}

/// Every event of the log, in seq order.
public func everything(_ store: any EventReader) async throws -> [RecordedEvent] {
    var all: [RecordedEvent] = []
    while true {
        let batch = try await store.readAll(from: GlobalPosition(UInt64(all.count + 1)), limit: 10_000)
        if batch.isEmpty { return all }
        all += batch
    }
}

extension BulkLoading {
    /// Loads `events` in one bulk load (expected version `.any`).
    public func load(_ events: [(StreamID, ProposedEvent)]) async throws -> AppendResult {
        try await bulkLoad(from: SequenceSource(events)).result
    }
}

/// A bulk source that replays recorded events with their replica fields (a replica import).
public struct ReplicaSource: BulkEventSource {
    private let events: [RecordedEvent]
    private var next = 0
    private var slots = StreamSlotTable()
    private let current = ByteArena()

    public init(_ events: [RecordedEvent]) { self.events = events }

    public var estimatedBytes: Int { events.count * 250 }
    public var asksAboutIDs: Bool { false }

    public mutating func rewind() {
        next = 0
        slots = StreamSlotTable()
    }

    public mutating func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) -> BulkEvent? {
        guard next < events.count else { return nil }
        let e = events[next]
        next += 1
        current.removeAll()
        let id = current.append(e.id.value.utf8), name = current.append(e.stream.name.utf8)
        let type = current.append(e.type.utf8), payload = current.append(e.payload)
        return BulkEvent(id: current.bytes(id), stream: current.bytes(name), type: current.bytes(type), payload: current.bytes(payload),
                         streamSlot: slots.slot(assigning: current.bytes(name), hash: e.stream.nameHash),
                         replica: ReplicaFields(position: e.position, version: e.version, recorded: e.recorded, hash: e.hash))
    }
}
