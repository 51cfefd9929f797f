@testable import DossierLog
import DossierDomain
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Testing

/// An import meeting more dossiers than its slot limit starts its stream slots again: the store
/// writes what it collected and both forget what they kept per stream, then read it back.
@Suite(.temporaryDirectory)
struct SlotRestartTests {
    /// The example dossier's four events, for dossier `n`, in `n`'s own ids.
    func dossier(_ n: Int) -> [String] {
        exampleLines.map {
            $0.replacingOccurrences(of: "250304-0001", with: "250304-\(1000 + n)").replacingOccurrences(of: #""id":"e"#, with: #""id":"d\#(n)-"#)
        }
    }

    @Test("slots restarted every few dossiers: versions, links and lifecycle checks carry on across restarts")
    func restarts() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        // Seven dossiers interleaved event by event, so each restart (every 3 new streams)
        // falls in the middle of dossiers whose earlier events were forgotten.
        let dossiers = (0..<7).map(dossier)
        let lines = (0..<4).flatMap { step in dossiers.map { $0[step] } }
        let rules = try await ledger.rules()
        let source = try JSONLinesImport(path: try writeFile("a.jsonl", lines), mode: .atomic, replica: false, rules: rules, slotLimit: 3)
        let (result, used) = try await store.bulkLoad(from: source)
        #expect(used.summary.appended == 28)
        #expect(result.positions.map { $0.upperBound.rawValue - $0.lowerBound.rawValue + 1 } == 28)
        #expect(try await store.verify(nil).isIntact)
        for n in 0..<7 {
            let events = try await store.read(stream: StreamID("000.00.17.H19-250304-\(1000 + n)"), from: StreamVersion(1), direction: .forward, limit: 10)
            #expect(events.map(\.version.rawValue) == [1, 2, 3, 4])
            #expect(events.map(\.id.value) == (1...4).map { "d\(n)-\($0)" })
        }
        // A lifecycle violation after a restart is still caught: dossier 0 was returned, read back from the store.
        let late = dossier(0)[1].replacingOccurrences(of: "-2\"", with: "-9\"").replacingOccurrences(of: "2025-03-04T10:00:00", with: "2025-03-09T10:00:00")
        let again = try JSONLinesImport(path: try writeFile("b.jsonl", (7..<12).map { dossier($0)[0] } + [late]), mode: .atomic, replica: false,
                                        rules: rules, slotLimit: 2)
        let error = await #expect(throws: EventRejection.self) { try await store.bulkLoad(from: again) }
        #expect(error?.line == 6)
        #expect(error?.rule.description.contains("only feedback and home-support visits") == true)
        #expect(try await store.head()?.position.rawValue == UInt64(catalogEntries.count + 28))
    }

    @Test("corrections across slot restarts: a void whose target was written before the restart is checked against the store")
    func correctionsAcrossRestarts() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        // Dossier n: received, forwarded, processed, then (after other dossiers) the processed voided and
        // the forward voided, latest first; a journal of 4 nodes restarts the slots every few dossiers.
        func void(_ n: Int, _ k: Int, target: Int, at: String) -> String {
            #"{"id":"d\#(n)-v\#(k)","dossier":"000.00.17.H19-250304-\#(1000 + n)","type":"voided","at":"\#(at)","actor":"cv.tuphap.02","unit":"H19.17.TP","target":"d\#(n)-\#(target)","reason":"by mistake"}"#
        }
        let dossiers = (0..<5).map(dossier)
        let lines = (0..<3).flatMap { step in dossiers.map { $0[step] } }
            + (0..<5).map { void($0, 1, target: 3, at: "2025-03-06T16:00:00+07:00") }
            + (0..<5).map { void($0, 2, target: 2, at: "2025-03-06T16:10:00+07:00") }
        let rules = try await ledger.rules()
        let source = try JSONLinesImport(path: try writeFile("c.jsonl", lines), mode: .atomic, replica: false, rules: rules, journalLimit: 4)
        let (_, used) = try await store.bulkLoad(from: source)
        #expect(used.summary.appended == 25)
        #expect(try await store.verify(nil).isIntact)
        // After both voids only the receipt is effective: a second void of the forward is refused, read back from the store.
        let again = try JSONLinesImport(path: try writeFile("d.jsonl", [void(0, 3, target: 2, at: "2025-03-06T16:20:00+07:00")]), mode: .atomic,
                                        replica: false, rules: rules, journalLimit: 4)
        let error = await #expect(throws: EventRejection.self) { try await store.bulkLoad(from: again) }
        #expect(error?.rule.description.contains("voided already") == true)
    }
}
