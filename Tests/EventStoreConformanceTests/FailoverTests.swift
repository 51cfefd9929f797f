import EventLog
import EventLogPostgres
import Foundation
import LedgerTesting
import Testing

/// A PostgreSQL primary with a synchronous streaming standby, both throwaway clusters on
/// loopback; writer processes given both hosts; the primary's postmaster SIGKILLed under their
/// load and the standby promoted, round after round (`FAILOVER_ROUNDS`, 10 by default).
@Suite(.temporaryDirectory, .enabled(if: PostgresCluster.runs(for: "the failover test"), "PostgreSQL is not installed (apt-get install postgresql)"))
struct FailoverTests {
    @Test("the primary killed under load: the promoted standby holds every acknowledged event once, seq gap-free, the chain verifying and going on")
    func primaryKilled() async throws {
        let rounds = Int(ProcessInfo.processInfo.environment["FAILOVER_ROUNDS"] ?? "") ?? 10
        var primary = try PostgresCluster(in: TemporaryDirectory.path)
        defer { primary.stop() }
        let database = try primary.createDatabase()
        let name = try #require(database.split(separator: "/").last?.split(separator: "?").first.map(String.init))
        var standby = try PostgresCluster(in: TemporaryDirectory.path, standbyOf: primary)
        defer { standby.stop() }
        var acknowledged: [String: UInt64] = [:]
        for round in 1...rounds {
            let url = "postgres://ledger@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/\(name)?sslmode=disable"
            let writers = try (0..<2).map { writer in
                try ChildProcess(product: "LedgerTestHelper", arguments: ["append", url, "r\(round)w\(writer)", "forever", "4"])
            }
            for writer in writers { try await writer.waitForLines(10) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300)))
            try primary.killPostmaster()
            try standby.promote()
            // The writers find the new primary and go on.
            let before = writers.map(\.output.count)
            for (writer, count) in zip(writers, before) { try await writer.waitForLines(count + 20, timeout: .seconds(90)) }
            for writer in writers {
                let lines = try await writer.kill()
                #expect(!lines.contains { $0.hasPrefix("append failed") })
                for line in lines where line.hasPrefix("ack ") {
                    let parts = line.split(separator: " ")
                    acknowledged[String(parts[2])] = UInt64(parts[1])
                }
            }
            #expect(zip(writers, before).allSatisfy { $0.output.count >= $1 + 20 }, "round \(round): the writers did not go on after the failover")

            let store = try await PostgresEventStore.open(try PostgresLocation(url: "postgres://ledger@127.0.0.1:\(standby.port)/\(name)?sslmode=disable"))
            let report = try await store.verify(nil)
            #expect(report.isIntact, "round \(round): \(String(describing: report.failure))")
            // Every event stored, by id (pages of the whole log: one lookup per acknowledged event
            // made the check quadratic in the rounds).
            var stored: [String: [UInt64]] = [:]
            var from = GlobalPosition.first
            while true {
                let page = try await store.readAll(from: from, limit: 10_000)
                for event in page { stored[event.id.value, default: []].append(event.position.rawValue) }
                guard let last = page.last else { break }
                from = last.position.next
            }
            for (id, seq) in acknowledged {
                #expect(stored[id] == [seq], "round \(round): acknowledged \(id) at seq \(seq), found \(stored[id] ?? [])")
            }
            // The chain goes on from the promoted standby.
            let next = try await store.append([try ProposedEvent(id: EventID("after-\(round)"), type: "test.appended.v1", payload: [1])],
                                              to: StreamID("after"))
            #expect(next.positions?.lowerBound == GlobalPosition((report.head?.position.rawValue ?? 0) + 1))

            primary.stop()  // what is left of the killed one
            primary = standby
            standby = try PostgresCluster(in: TemporaryDirectory.path, standbyOf: primary)
        }
        print("failover: \(rounds) rounds, \(acknowledged.count) acknowledged events, every one present once after each promotion")
        #expect(acknowledged.count >= rounds * 80)
    }
}
