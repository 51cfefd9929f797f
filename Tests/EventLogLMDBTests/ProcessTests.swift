import EventLog
import EventLogLMDB
import Foundation
import LedgerLMDB
import LedgerTesting
import Testing

/// The (seq, id) pairs a helper acknowledged, from its `ack <seq> <id>` lines.
private func acknowledged(_ lines: [String]) -> [(seq: UInt64, id: String)] {
    lines.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "ack", let seq = UInt64(parts[1]) else { return nil }
        return (seq, String(parts[2]))
    }
}

private func appender(_ path: String, prefix: String, count: String, concurrency: Int) throws -> ChildProcess {
    try ChildProcess(product: "LedgerTestHelper", arguments: ["append", path, prefix, count, String(concurrency)])
}

@Suite(.temporaryDirectory)
struct ProcessTests {
    @Test("SIGKILL at a random moment loses no acknowledged event and leaves nothing partial (20 rounds)")
    func crashWhileAppending() async throws {
        let path = TemporaryDirectory.path + "/store"
        var generator = SystemRandomNumberGenerator()
        var acknowledgedInAll = 0
        for round in 0..<20 {
            let child = try appender(path, prefix: "r\(round)", count: "forever", concurrency: 4)
            try await child.waitForLines(1 + Int.random(in: 0...40, using: &generator))
            try await Task.sleep(for: .microseconds(Int.random(in: 0...3000, using: &generator)))
            let acks = acknowledged(try await child.kill())
            acknowledgedInAll += acks.count

            let store = try LMDBEventStore(path: path)
            let report = try await store.verify(nil)
            #expect(report.isIntact, "round \(round): \(report)")
            let all = try await everything(store)
            #expect(all.map(\.position.rawValue) == Array(1...UInt64(all.count)), "round \(round): seq has gaps")
            let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position.rawValue, $0) })
            for ack in acks {
                let stored = byPosition[ack.seq]
                #expect(stored?.id.value == ack.id, "round \(round): acknowledged \(ack.id) at seq \(ack.seq) is missing")
                // Its stream index entry leads back to it.
                if let stored {
                    let viaStream = try await store.read(stream: stored.stream, from: stored.version, direction: .forward, limit: 1)
                    #expect(viaStream.first == stored)
                }
            }
        }
        #expect(acknowledgedInAll > 20)
    }

    @Test("two processes and this one append at once: seq gap-free, every acknowledged event exactly once")
    func multiProcessAppends() async throws {
        let path = TemporaryDirectory.path + "/store"
        let store = try LMDBEventStore(path: path)
        let children = try (0..<2).map { try appender(path, prefix: "p\($0)", count: "300", concurrency: 3) }
        for n in 0..<150 { _ = try await store.append([event("local-\(n)")], to: stream("L-\(n % 7)")) }
        var acks: [(seq: UInt64, id: String)] = []
        for child in children {
            let lines = try await child.waitForExit()
            #expect(child.terminationStatus == 0)
            #expect(lines.last == "done")
            acks += acknowledged(lines)
        }
        #expect(acks.count == 600)
        let all = try await everything(store)
        #expect(all.count == 750)
        #expect(all.map(\.position.rawValue) == Array(1...750))
        #expect(Set(all.map(\.id)).count == 750)
        let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position.rawValue, $0.id.value) })
        #expect(acks.allSatisfy { byPosition[$0.seq] == $0.id })
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("a reader slot left by a killed process is cleared, so it cannot pin old pages forever")
    func staleReaderCleared() async throws {
        let path = TemporaryDirectory.path + "/store"
        let store = try LMDBEventStore(path: path)
        _ = try await store.append([event("one")], to: stream("R"))
        let child = try ChildProcess(product: "LedgerTestHelper", arguments: ["read", path])
        try await child.waitForLines(1)
        #expect(child.output == ["reading"])
        try await child.kill()
        #expect(try store.environment.clearStaleReaders() == 1)
        #expect(try store.environment.clearStaleReaders() == 0)
    }

    @Test("a subscription sees every event exactly once, in order, while another process appends")
    func subscriptionAcrossProcesses() async throws {
        let path = TemporaryDirectory.path + "/store"
        let store = try LMDBEventStore(path: path)
        _ = try await store.append([event("before-1"), event("before-2")], to: stream("S"))
        let child = try appender(path, prefix: "sub", count: "400", concurrency: 2)
        var seen: [RecordedEvent] = []
        for try await event in store.subscribe(from: .first, pollInterval: .milliseconds(2)) {
            seen.append(event)
            if seen.count == 402 { break }
        }
        _ = try await child.waitForExit()
        #expect(seen.map(\.position.rawValue) == Array(1...402))
        #expect(Set(seen.map(\.id)).count == 402)
        #expect(seen.filter { $0.id.value.hasPrefix("sub-") }.count == 400)
    }
}
