// A child process for the crash and multi-process tests. It prints one line per acknowledged
// append, `ack <seq> <event id>`, and flushes it at once, so the parent knows exactly what was
// acknowledged when it kills this process.
//
//   LedgerTestHelper append <store> <prefix> <count|forever> <concurrency>
//   LedgerTestHelper read <store>      (holds a read transaction open until killed)
import EventLog
import EventLogLMDB
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

let store: LMDBEventStore
do {
    store = try LMDBEventStore(path: path)
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
                    let result = try await store.append([event], to: StreamID("\(prefix)-stream-\(n % 17)"))
                    say("ack \(result.positions!.lowerBound) \(id)")
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
