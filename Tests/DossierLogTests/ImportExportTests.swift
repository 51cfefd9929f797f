import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Testing

let exampleLines = [
    #"{"id":"e1","dossier":"000.00.17.H19-250304-0001","type":"received","at":"2025-03-04T09:12:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","procedure":"1.001193","channel":"online","online_level":"full"}"#,
    #"{"id":"e2","dossier":"000.00.17.H19-250304-0001","type":"forwarded","at":"2025-03-04T10:00:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","to_unit":"H19.17.TP","to_actor":"cv.tuphap.02","step_hours":16}"#,
    #"{"id":"e3","dossier":"000.00.17.H19-250304-0001","type":"processed","at":"2025-03-06T15:30:00+07:00","actor":"cv.tuphap.02","unit":"H19.17.TP","outcome":"approved"}"#,
    #"{"id":"e4","dossier":"000.00.17.H19-250304-0001","type":"returned","at":"2025-03-07T08:05:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","via":"online"}"#,
]

let catalogEntries: [CatalogEntry] = [
    .procedure(Procedure(code: "1.001193", name: "Đăng ký khai sinh", limit: .workingDays(3), validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1)))),
    .unit(Unit(code: "H19.17.MC", name: "Bộ phận Một cửa", level: .desk, validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1)))),
    .unit(Unit(code: "H19.17.TP", name: "Tư pháp", level: .department, validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1)))),
]

func writeFile(_ name: String, _ lines: [String]) throws -> String {
    let path = TemporaryDirectory.path + "/" + name
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func openLedger(_ name: String = "store") throws -> (DossierLedger, LMDBEventStore) {
    let store = try LMDBEventStore(path: TemporaryDirectory.path + "/" + name)
    return (DossierLedger(store: store), store)
}

func exportLines(_ ledger: DossierLedger) async throws -> [String] {
    var lines: [String] = []
    try await ledger.export { lines.append($0) }
    return lines
}

@Suite(.temporaryDirectory)
struct ImportExportTests {
    @Test("a valid file imports; importing it again stores nothing new and says so")
    func importTwice() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        let path = try writeFile("events.jsonl", exampleLines + ["   ", ""])
        let first = try await ledger.importEvents(path: path)
        #expect(first.appended == 4 && first.duplicates == 0 && first.lines == 4)
        let again = try await ledger.importEvents(path: path)
        #expect(again.appended == 0 && again.duplicates == 4)
        #expect(try await store.head()?.position == GlobalPosition(7))  // 3 catalog entries + 4 events
        #expect(try await store.verify(nil).isIntact)
    }

    @Test("one bad line and nothing of the file is stored; the error names line, id, field and rule")
    func atomicImport() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        let before = try await exportLines(ledger)
        var lines = exampleLines
        lines[2] = lines[2].replacingOccurrences(of: #""outcome":"approved""#, with: #""outcome":"granted""#)
        let path = try writeFile("bad.jsonl", lines)
        let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: path) }
        #expect(error?.line == 3)
        #expect(error?.eventID == "e3")
        #expect(error?.field == "outcome")
        #expect(error?.description == #"line 3: event e3: field `outcome`: must be one of approved, refused, got "granted""#)
        #expect(try await exportLines(ledger) == before)
        #expect(try await store.head()?.position == GlobalPosition(3))
    }

    @Test("with a rejects file the valid lines are stored and each rejected line is kept, as JSON, unchanged with its reason")
    func keepValid() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        let unknownProcedure = exampleLines[0].replacingOccurrences(of: "250304-0001", with: "250304-0002")
            .replacingOccurrences(of: "1.001193", with: "9.999999").replacingOccurrences(of: #""id":"e1""#, with: #""id":"x1""#)
        let lines = [exampleLines[0], unknownProcedure, exampleLines[2], exampleLines[1]]  // e3 before e2: processed then forwarded
        let path = try writeFile("mixed.jsonl", lines)
        let rejectsPath = TemporaryDirectory.path + "/rejects.jsonl"
        let summary = try await ledger.importEvents(path: path, mode: .keepValid(rejectsPath: rejectsPath))
        #expect(summary.appended == 2 && summary.rejected == 2)
        // One JSON object per rejected line: where, why, and the line's text unchanged.
        let rejects = try String(contentsOfFile: rejectsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(rejects.count == 2)
        let objects = try rejects.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects[0]["line"] as? Int == 2 && objects[0]["event_id"] as? String == "x1" && objects[0]["field"] as? String == "procedure")
        #expect(objects[0]["reason"] as? String == "line 2: event x1: field `procedure`: procedure 9.999999 is not in the procedure catalog")
        #expect(objects[0]["text"] as? String == unknownProcedure)
        #expect(objects[1]["rule"] as? String == "goes back in time: dossier 000.00.17.H19-250304-0001 already has an event at 2025-03-06T15:30:00+07:00")
        #expect(objects[1]["text"] as? String == exampleLines[1])
        #expect(objects.allSatisfy { $0["bytes_base64"] == nil })
    }

    @Test("a later file continues dossiers already stored, and their lifecycle rules still hold")
    func continuesStoredDossiers() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        _ = try await ledger.importEvents(path: try writeFile("a.jsonl", Array(exampleLines[0...1])))
        let summary = try await ledger.importEvents(path: try writeFile("b.jsonl", Array(exampleLines[2...3])))
        #expect(summary.appended == 2)
        let late = exampleLines[1].replacingOccurrences(of: #""id":"e2""#, with: #""id":"e9""#)
            .replacingOccurrences(of: "2025-03-04T10:00:00", with: "2025-03-08T10:00:00")
        let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: try writeFile("c.jsonl", [late])) }
        #expect(error?.rule.description.contains("only feedback and home-support visits") == true)
    }

    @Test("the same id with other content is refused, naming the stored seq")
    func idConflict() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        _ = try await ledger.importEvents(path: try writeFile("a.jsonl", exampleLines))
        let changed = exampleLines[3].replacingOccurrences(of: #""via":"online""#, with: #""via":"desk""#)
        let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: try writeFile("b.jsonl", [changed])) }
        #expect(error?.field == "id")
        #expect(error?.rule.description.contains("seq 7") == true)
    }

    @Test("units must be in the catalog and valid on the event's date")
    func unitValidity() async throws {
        let (ledger, _) = try openLedger()
        var entries = catalogEntries
        entries[2] = .unit(Unit(code: "H19.17.TP", name: "Tư pháp", level: .department,
                                validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1), to: LocalDate(year: 2025, month: 3, day: 3))))
        try await ledger.record(entries)
        let error = await #expect(throws: EventRejection.self) { try await ledger.importEvents(path: try writeFile("a.jsonl", exampleLines)) }
        #expect(error?.line == 2)
        #expect(error?.field == "to_unit")
        #expect(error?.rule.description == "unit H19.17.TP is not valid on 2025-03-04")
    }

    @Test("an export imported as a replica reproduces every seq, version, recorded time and hash")
    func replica() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        _ = try await ledger.importEvents(path: try writeFile("a.jsonl", exampleLines))
        let exported = try await exportLines(ledger)
        #expect(exported.count == 7)
        let (copy, copyStore) = try openLedger("replica")
        let summary = try await copy.importEvents(path: try writeFile("export.jsonl", exported), replica: true)
        #expect(summary.appended == 4 && summary.catalogEntries == 3)
        #expect(try await exportLines(copy) == exported)
        #expect(try await copyStore.head() == store.head())
        // A tampered export is refused, naming the seq.
        var tampered = exported
        tampered[4] = tampered[4].replacingOccurrences(of: "cb.tiepnhan.01", with: "cb.tiepnhan.99")
        let (third, _) = try openLedger("third")
        let error = await #expect(throws: EventStoreError.self) {
            try await third.importEvents(path: try writeFile("tampered.jsonl", tampered), replica: true)
        }
        #expect(error?.code == .replicaMismatch)
        #expect(error?.position == GlobalPosition(5))
    }

    @Test("catalog entries are recorded once; a changed entry is refused")
    func catalogIdempotent() async throws {
        let (ledger, _) = try openLedger()
        let first = try await ledger.record(catalogEntries)
        let again = try await ledger.record(catalogEntries)
        #expect(first.appended == 3 && again.duplicates == 3 && again.appended == 0)
        let changed = CatalogEntry.procedure(Procedure(code: "1.001193", name: "Đăng ký khai sinh", limit: .workingDays(5),
                                                       validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1))))
        await #expect(throws: CatalogError.self) { try await ledger.record([changed]) }
        let rules = try await ledger.rules()
        #expect(rules.catalog.procedure("1.001193", on: LocalDate(year: 2025, month: 3, day: 4))?.limit == .workingDays(3))
    }

    @Test("a missing file, a directory, and a replica into a non-empty store are clear errors")
    func fileErrors() async throws {
        let (ledger, _) = try openLedger()
        let missing = await #expect(throws: ImportError.self) { try await ledger.importEvents(path: TemporaryDirectory.path + "/nope.jsonl") }
        #expect(missing?.description.contains("cannot open") == true)
        let directory = await #expect(throws: ImportError.self) { try await ledger.importEvents(path: TemporaryDirectory.path) }
        #expect(directory?.description.contains("is a directory") == true)
        try await ledger.record(catalogEntries)
        await #expect(throws: ImportError.self) { try await ledger.importEvents(path: try writeFile("a.jsonl", exampleLines), replica: true) }
    }

    @Test("standard input imports like a file")
    func standardInput() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        let pipe = Pipe()
        try pipe.fileHandleForWriting.write(contentsOf: Data((exampleLines.joined(separator: "\n") + "\n").utf8))
        try pipe.fileHandleForWriting.close()
        let summary = try await ledger.importEvents(reading: pipe.fileHandleForReading, temporaryDirectory: TemporaryDirectory.path)
        #expect(summary.appended == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: TemporaryDirectory.path).allSatisfy { !$0.hasPrefix("dossier-import-") })
    }

    @Test("export of one dossier, and of a seq range")
    func exportFilters() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        let other = exampleLines[0].replacingOccurrences(of: "250304-0001", with: "250304-0002").replacingOccurrences(of: #""id":"e1""#, with: #""id":"o1""#)
        _ = try await ledger.importEvents(path: try writeFile("a.jsonl", [exampleLines[0], other] + exampleLines[1...]))
        var one: [String] = []
        try await ledger.export(dossier: "000.00.17.H19-250304-0002") { one.append($0) }
        #expect(one.count == 1 && one[0].contains(#""id":"o1""#) && one[0].contains(#""seq":5"#))
        var range: [String] = []
        try await ledger.export(from: GlobalPosition(4), through: GlobalPosition(5)) { range.append($0) }
        #expect(range.map { $0.contains(#""seq":4"#) || $0.contains(#""seq":5"#) } == [true, true])
    }

    @Test("an export longer than a slice (16,384 lines, formatted in parallel) keeps seq order and every hash link, whole or from any seq")
    func exportAcrossSlices() async throws {
        let (ledger, _) = try openLedger()
        try await ledger.record(catalogEntries)
        let lines = (1...9_999).flatMap { n in
            exampleLines.map { line in
                line.replacingOccurrences(of: "250304-0001", with: "250304-" + String(repeating: "0", count: 4 - String(n).count) + String(n))
                    .replacingOccurrences(of: #""id":"e"#, with: #""id":"n\#(n)-e"#)
            }
        }
        _ = try await ledger.importEvents(path: try writeFile("many.jsonl", lines))
        let whole = try await exportLines(ledger)
        #expect(whole.count == 39_999)
        #expect(whole.indices.allSatisfy { whole[$0].contains(#","seq":\#($0 + 1),"#) })
        func hash(_ line: String) -> Substring? {
            line.range(of: #""hash":""#).map { line[$0.upperBound...].prefix(64) }
        }
        // A part of the log: each line as in the whole export, with the hash of the line before it.
        var part: [String] = []
        try await ledger.export(from: GlobalPosition(16_000), through: GlobalPosition(33_000)) { part.append($0) }
        #expect(part.count == 17_001)
        let expected = (16_000...33_000).map { seq in
            String(whole[seq - 1].dropLast()) + #","previous_hash":"\#(hash(whole[seq - 2]) ?? "")"}"#
        }
        #expect(part == expected)
    }

    @Test("an import whose store flushes along the way keeps every dossier's lifecycle across flushes")
    func importAcrossFlushes() async throws {
        let store = try LMDBEventStore(path: TemporaryDirectory.path + "/store", configuration: .init(bulkFlushInterval: 3))
        let ledger = DossierLedger(store: store)
        try await ledger.record(catalogEntries)
        // Two dossiers interleaved, so each one's events straddle flushes.
        let second = exampleLines.map { $0.replacingOccurrences(of: "250304-0001", with: "250304-0002").replacingOccurrences(of: #""id":"e"#, with: #""id":"s"#) }
        let lines = zip(exampleLines, second).flatMap { [$0, $1] }
        let summary = try await ledger.importEvents(path: try writeFile("a.jsonl", lines))
        #expect(summary.appended == 8)
        // A lifecycle error after flushes is still found (forwarded after returned).
        let late = exampleLines[1].replacingOccurrences(of: #""id":"e2""#, with: #""id":"e9""#)
            .replacingOccurrences(of: "2025-03-04T10:00:00", with: "2025-03-08T10:00:00")
        let error = await #expect(throws: EventRejection.self) {
            try await ledger.importEvents(path: try writeFile("b.jsonl", second + [late]))
        }
        #expect(error?.line == 5)
        #expect(error?.rule.description.contains("only feedback and home-support visits") == true)
        #expect(try await store.verify(nil).checked == 11)
    }

    @Test("a single append is checked like an import line, against the dossier's stored events")
    func singleAppend() async throws {
        let (ledger, store) = try openLedger()
        try await ledger.record(catalogEntries)
        let events = try exampleLines.map { try DossierEvent.parse($0).event }
        for event in events.prefix(2) { try await ledger.append(event) }
        // Returned before processed breaks the lifecycle.
        let early = await #expect(throws: EventRejection.self) { try await ledger.append(events[3]) }
        #expect(early?.rule.description.contains("processed or stopped before") == true)
        try await ledger.append(events[2])
        let repeatResult = try await ledger.append(events[2])
        #expect(repeatResult.duplicates == 1)
        // A unit outside the catalog is refused.
        var stranger = events[3]
        stranger.unit = "NOWHERE"
        let unknown = await #expect(throws: EventRejection.self) { try await ledger.append(stranger) }
        #expect(unknown?.field == "unit")
        #expect(try await store.head()?.position == GlobalPosition(6))
    }
}
