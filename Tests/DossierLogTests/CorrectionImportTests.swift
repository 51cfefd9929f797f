import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Testing

/// A void line of the example dossier.
func voidLine(_ id: String, target: String, at: String, actor: String = "cb.tiepnhan.01") -> String {
    #"{"id":"\#(id)","dossier":"000.00.17.H19-250304-0001","type":"voided","at":"\#(at)","actor":"\#(actor)","unit":"H19.17.MC","target":"\#(target)","reason":"recorded by mistake"}"#
}

/// Corrections and the time guard through every write path: an import (the void's target in
/// the same file, or stored before), chained voids, `append`, and a replica.
@Suite(.temporaryDirectory)
struct CorrectionImportTests {
    @Test("voids in the same file as their targets, chained latest first, then the right events; checked like any line")
    func voidsInOneFile() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        let lines = exampleLines[0...2] + [
            voidLine("v1", target: "e3", at: "2025-03-06T15:40:00+07:00", actor: "cv.tuphap.02"),   // the processed
            voidLine("v2", target: "e2", at: "2025-03-06T15:45:00+07:00"),                          // then the forward
            #"{"id":"e5","dossier":"000.00.17.H19-250304-0001","type":"forwarded","at":"2025-03-06T15:50:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","to_unit":"H19.17.TP","to_actor":"cv.tuphap.03"}"#,
        ]
        let summary = try await ledger.importEvents(path: try writeFile("a.jsonl", Array(lines)))
        #expect(summary.appended == 6)
        #expect(try await store.verify(nil).isIntact)
        // The dossier is open again, held by the officer of the redone forward.
        let stored = try await store.read(stream: StreamID("000.00.17.H19-250304-0001"), from: StreamVersion(1), direction: .forward, limit: 10)
        let state = try #require(try DossierState.fold(stored.compactMap { if case .dossier(let e) = try Records.decode($0) { e } else { nil } }, rules: try await ledger.rules()))
        #expect(state.finish == nil && state.steps.last?.holderActor == "cv.tuphap.03" && state.voids.count == 2)
        // A processed now: checked against the effective events (no longer finished).
        let processed = exampleLines[2].replacingOccurrences(of: "\"e3\"", with: "\"e6\"").replacingOccurrences(of: "15:30", with: "16:30")
        #expect(try await ledger.importEvents(path: try writeFile("b.jsonl", [processed])).appended == 1)
    }

    @Test("a void in a later file reads the stored effective events; refusals name the line and the rule")
    func voidsAcrossFiles() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        _ = try await ledger.importEvents(path: try writeFile("a.jsonl", Array(exampleLines[0...2])))
        let before = try await exportLines(ledger)
        for (line, rule) in [(voidLine("v1", target: "e2", at: "2025-03-06T16:00:00+07:00"), "not the latest effective event"),
                             (voidLine("v1", target: "e3", at: "2025-03-06T16:00:00+07:00", actor: "citizen"), "officer"),
                             (voidLine("v1", target: "zz", at: "2025-03-06T16:00:00+07:00"), "has no event zz"),
                             (voidLine("v1", target: "e3", at: "2025-03-04T09:00:00+07:00"), "goes back in time")] {
            let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: try writeFile("bad.jsonl", [line])) }
            #expect(error?.line == 1 && error?.rule.description.contains(rule) == true, "\(error.map(\.description) ?? "")")
        }
        #expect(try await exportLines(ledger) == before)
        let good = try await ledger.importEvents(path: try writeFile("b.jsonl", [voidLine("v1", target: "e3", at: "2025-03-06T16:00:00+07:00")]))
        #expect(good.appended == 1)
        // A void of the void, and of the voided event again, through append.
        let voidOfVoid = try DossierEvent.parse(voidLine("v2", target: "v1", at: "2025-03-06T16:10:00+07:00")).event
        await #expect(throws: EventRejection.self) { try await ledger.append(voidOfVoid) }
        let again = try DossierEvent.parse(voidLine("v2", target: "e3", at: "2025-03-06T16:10:00+07:00")).event
        let error = await #expect(throws: EventRejection.self) { try await ledger.append(again) }
        #expect(error?.rule.description.contains("voided already") == true)
        // The right event through append, then a void of it through append.
        let returned = try DossierEvent.parse(exampleLines[3]).event
        await #expect(throws: EventRejection.self) { try await ledger.append(returned) }  // no longer processed
        let voidForward = try DossierEvent.parse(voidLine("v3", target: "e2", at: "2025-03-06T16:20:00+07:00")).event
        #expect(try await ledger.append(voidForward).positions != nil)
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("the time guard: a future event is refused in imports and appends with both instants; replicas are exempt")
    func timeGuard() async throws {
        let now = Instant(microsecondsSinceEpoch: 1_741_054_320_000_000)  // 2025-03-04 09:12 +07:00
        let store = try LMDBEventStore(path: TemporaryDirectory.path + "/guarded")
        let ledger = DossierLedger(store: store, timeGuard: try TimeGuard(minutes: 5, now: { now }))
        try await ledger.record(catalogEntries)
        let inTolerance = exampleLines[0].replacingOccurrences(of: "09:12:00", with: "09:16:59")
        #expect(try await ledger.importEvents(path: try writeFile("ok.jsonl", [inTolerance])).appended == 1)
        let future = exampleLines[1].replacingOccurrences(of: "2025-03-04T10:00:00", with: "2062-12-05T09:00:00")
        let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: try writeFile("future.jsonl", [future])) }
        #expect(error?.field == "at" && error?.line == 1)
        #expect(error?.rule.description.contains("2062-12-05T09:00:00+07:00") == true && error?.rule.description.contains("2025-03-04T09:12:00+07:00") == true)
        let justOver = try DossierEvent.parse(exampleLines[1].replacingOccurrences(of: "10:00:00", with: "09:17:01")).event
        await #expect(throws: EventRejection.self) { try await ledger.append(justOver) }
        #expect(throws: ImportError.self) { try TimeGuard(minutes: 61) }
        #expect(throws: ImportError.self) { try TimeGuard(minutes: -1) }
        let strict = DossierLedger(store: store, timeGuard: try TimeGuard(minutes: 0, now: { now }))
        let atNow = try DossierEvent.parse(exampleLines[1].replacingOccurrences(of: "10:00:00", with: "09:17:00")).event
        await #expect(throws: EventRejection.self) { try await strict.append(atNow) }

        // A replica reproduces what was exported, whatever the clock says now.
        let (source, _) = try openLedger("source")
        try await source.record(catalogEntries)
        _ = try await source.importEvents(path: try writeFile("all.jsonl", exampleLines))
        let export = try await exportLines(source)
        let replicaStore = try LMDBEventStore(path: TemporaryDirectory.path + "/replica")
        let past = Instant(microsecondsSinceEpoch: 0)
        let replica = DossierLedger(store: replicaStore, timeGuard: try TimeGuard(minutes: 0, now: { past }))
        #expect(try await replica.importEvents(path: try writeFile("export.jsonl", export), replica: true).appended == 4)
    }
}
