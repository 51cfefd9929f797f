// A child process for the crash and multi-process tests. It prints one line per acknowledged
// append, `ack <seq> <event id>`, and flushes it at once, so the parent knows exactly what was
// acknowledged when it kills this process.
//
//   LedgerTestHelper append <store> <prefix> <count|forever> <concurrency>
//   LedgerTestHelper read <store>      (holds a read transaction open until killed)
//
// <store> is a directory (LMDB) or a postgres:// URL. On PostgreSQL a failed append is retried
// with the same event id (an idempotent repeat if it was stored after all) for up to a minute,
// as a desk's software would while the primary fails over.
import EventLog
import EventLogLMDB
import EventLogPostgres
import Foundation

/// Writes one line to standard output unbuffered, so it is out before a SIGKILL can lose it.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "read" {
    holdReader(arguments[2])
}
guard arguments.count == 6, arguments[1] == "append", let concurrency = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: LedgerTestHelper append <store> <prefix> <count|forever> <concurrency>\n".utf8))
    exit(2)
}
let path = arguments[2], prefix = arguments[3]
let count = Int(arguments[4]) ?? Int.max

/// The payload of event `n`: deterministic, so the parent can check it.
func payload(_ n: Int) -> [UInt8] { Array("payload of \(prefix)-\(n) ".utf8) + [UInt8](repeating: UInt8(n % 251), count: 100) }

let store: any EventStore
let retrying = PostgresLocation.isURL(path)
do {
    store = retrying ? try await PostgresEventStore.open(try PostgresLocation(url: path)) : try LMDBEventStore(path: path)
} catch {
    FileHandle.standardError.write(Data("cannot open \(path): \(error)\n".utf8))
    exit(1)
}
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var n = worker
                while n < count {
                    let id = "\(prefix)-\(n)"
                    let event = try ProposedEvent(id: EventID(id), type: "test.appended.v1", payload: payload(n))
                    let seq = try await appendOnce(event, to: StreamID("\(prefix)-stream-\(n % 17)"))
                    say("ack \(seq) \(id)")
                    n += concurrency
                }
            }
        }
        try await group.waitForAll()
    }
    say("done")
} catch {
    FileHandle.standardError.write(Data("append failed: \(error)\n".utf8))
    exit(1)
}

/// Appends `event` and returns its seq; on PostgreSQL, retried until acknowledged (a minute at most).
func appendOnce(_ event: ProposedEvent, to stream: StreamID) async throws -> GlobalPosition {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        do {
            let result = try await store.append([event], to: stream)
            if let positions = result.positions { return positions.lowerBound }
            // Stored by an attempt whose acknowledgement was lost: it is there once.
            guard let stored = try await store.event(id: event.id) else { throw EventStoreError(.storage, "a duplicate that is not stored") }
            return stored.position
        } catch let error as EventStoreError where retrying && (error.code == .storage || error.code == .readOnly) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Opens the store, takes a reader slot and never lets it go: a reader left behind by a kill.
func holdReader(_ path: String) -> Never {
    do {
        let store = try LMDBEventStore(path: path)
        try store.scan(from: .first) { _ in
            say("reading")
            while true { sleep(60) }
        }
    } catch {
        FileHandle.standardError.write(Data("cannot read \(path): \(error)\n".utf8))
    }
    exit(1)
}
