import Foundation
import LedgerTesting
import Testing

/// `dossier void`, case histories with voided events, `entries_voided`, and the time guard, on
/// the real executable.
@Suite(.temporaryDirectory)
struct CorrectionCLITests {
    /// The id of the latest event of a dossier that ends with `type`, and the dossier.
    func lastEvent(ofType type: String, in store: String) throws -> (id: String, dossier: String) {
        let lines = try dossier(["export", "--store", store]).stdout.split(separator: "\n")
        var lastByDossier: [String: Substring] = [:]
        for line in lines { if let code = line.firstMatch(of: /"dossier":"([^"]+)"/)?.1 { lastByDossier[String(code)] = line } }
        let line = try #require(lastByDossier.values.sorted().first { $0.contains(#""type":"\#(type)""#) })
        return (String(try #require(line.firstMatch(of: /"id":"([^"]+)"/)?.1)), String(try #require(line.firstMatch(of: /"dossier":"([^"]+)"/)?.1)))
    }

    @Test("an operator voids a wrong processed: the history marks it (table, JSON, CSV, Vietnamese), the views reopen the dossier")
    func voidCommand() throws {
        let store = try fixedStore()
        let (target, code) = try lastEvent(ofType: "processed", in: store)
        let actor = "cv.h19.x01.1"
        let run = try dossier(["void", "--store", store, "--target", target, "--reason", "ghi nhầm kết quả", "--actor", actor,
                               "--at", "2026-11-27T17:00:00+07:00"])
        #expect(run.status == 0 && run.stdout.contains("voided \(target)"), "\(run.stderr)")
        let again = try dossier(["void", "--store", store, "--target", target, "--reason", "ghi nhầm kết quả", "--actor", actor,
                                 "--at", "2026-11-27T17:00:00+07:00"])
        #expect(again.status == 0 && again.stdout.contains("already stored"))
        let table = try dossier(["history", code, "--store", store]).stdout
        let voidedRow = try #require(table.split(separator: "\n").first { $0.contains(" processed ") })
        #expect(voidedRow.contains("2026-11-27 17:00") && voidedRow.contains(actor) && voidedRow.contains("ghi nhầm kết quả"))
        #expect(table.contains(" voided ") && table.contains("hash links: intact"))
        let json = try dossier(["history", code, "--store", store, "--format", "json"]).stdout
        #expect(json.contains(#""voided_by":"\#(actor)""#) && json.contains(#""void_reason":"ghi nhầm kết quả""#))
        let csv = try dossier(["history", code, "--store", store, "--format", "csv"]).stdout
        #expect(csv.split(separator: "\n")[0].contains("voided_at,voided_by,void_reason"))
        let vi = try dossier(["history", code, "--store", store, "--lang", "vi"]).stdout
        #expect(vi.contains("Người hủy") && vi.contains("Lý do hủy"))
        // The dossier is open again: a rebuild and the kept projection agree on it.
        let state = try dossier(["history", code, "--store", store, "--as-of", "2026-11-27T17:00:00+07:00"]).stdout
        #expect(!state.contains("state at 2026-11-27 17:00: processed"))
        let kept = try dossier(["late", "--store", store, "--format", "json", "--as-of", "2026-11-27T17:00:00+07:00"]).stdout
        #expect(try dossier(["rebuild", "--store", store]).status == 0)
        #expect(try dossier(["late", "--store", store, "--format", "json", "--as-of", "2026-11-27T17:00:00+07:00"]).stdout == kept)
        // entries_voided: the processed's actor, in the period of the correction.
        let accountability = try dossier(["accountability", "--store", store, "--period", "2026-11", "--format", "json"]).stdout
        #expect(accountability.contains(#""entries_voided":1"#))
        // A void of the void, and by `citizen`, are refused with the rule.
        let voidOfVoid = try dossier(["void", "--store", store, "--target", "\(target).void", "--reason", "x", "--actor", actor])
        #expect(voidOfVoid.status == 1 && voidOfVoid.stderr.contains("cannot be voided"), "\(voidOfVoid.stderr)")
        let citizen = try dossier(["void", "--store", store, "--target", target, "--reason", "x", "--actor", "citizen", "--id", "c1"])
        #expect(citizen.status == 1 && citizen.stderr.contains("officer"), "\(citizen.stderr)")
        let unknown = try dossier(["void", "--store", store, "--target", "nope", "--reason", "x", "--actor", actor])
        #expect(unknown.status == 1 && unknown.stderr.contains("no dossier event nope"))
    }

    @Test("the time guard: a mistyped year is refused with both instants; the tolerance is a store setting of 0 to 60 minutes")
    func timeGuard() throws {
        let store = try fixedStore()
        let future = TemporaryDirectory.path + "/future.jsonl"
        try #"{"id":"f1","dossier":"NEW-9","type":"received","at":"2062-12-05T09:00:00+07:00","actor":"cb.h19.x01.1","unit":"H19.X01","procedure":"1.001193","channel":"direct"}"#
            .appending("\n").write(toFile: future, atomically: true, encoding: .utf8)
        let run = try dossier(["import", "--store", store, future])
        #expect(run.status == 1 && run.stderr.contains("2062-12-05T09:00:00+07:00") && run.stderr.contains("in the future"), "\(run.stderr)")
        #expect(try dossier(["init", "--store", store, "--time-tolerance", "61"]).status == 2)
        let set = try dossier(["init", "--store", store, "--time-tolerance", "60"])
        #expect(set.status == 0 && set.stdout.contains("time tolerance 60 min"))
        #expect(try String(contentsOfFile: store + "/settings.json", encoding: .utf8).contains(#""time_tolerance_minutes" : 60"#))
    }

    @Test("one dossier's export is checked on its own: records and dossier links verified, global links said to be out of reach")
    func oneDossierExport() throws {
        let store = try fixedStore()
        let (_, code) = try lastEvent(ofType: "returned", in: store)
        let one = TemporaryDirectory.path + "/one.jsonl"
        let export = try dossier(["export", "--store", store, "--dossier", code, "--output", one])
        #expect(export.status == 0, "\(export.stderr)")
        let lines = try String(contentsOfFile: one, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count >= 3 && lines.allSatisfy { $0.contains(#""previous_hash":""#) })
        let ok = try dossier(["verify-export", one])
        #expect(ok.status == 0 && ok.stdout.contains("every record recomputes") && ok.stdout.contains("cannot be checked from it"), "\(ok.stderr)")
        // Altered, or with an event of the dossier removed: exit 3, naming the line.
        let altered = TemporaryDirectory.path + "/altered.jsonl"
        try (lines.map { $0.replacingOccurrences(of: #""type":"returned","at":"2"#, with: #""type":"returned","at":"1"#) }.joined(separator: "\n") + "\n")
            .write(toFile: altered, atomically: true, encoding: .utf8)
        let bad = try dossier(["verify-export", altered])
        #expect(bad.status == 3 && bad.stderr.contains("does not recompute"), "\(bad.stderr)")
        let removed = TemporaryDirectory.path + "/removed.jsonl"
        try ((lines.prefix(1) + lines.dropFirst(2)).joined(separator: "\n") + "\n").write(toFile: removed, atomically: true, encoding: .utf8)
        let gap = try dossier(["verify-export", removed])
        #expect(gap.status == 3 && gap.stderr.contains("line 2") && gap.stderr.contains("missing"), "\(gap.stderr)")
        // A whole-log export still checks every global link, and its lines carry no previous_hash.
        let whole = try dossier(["export", "--store", store]).stdout
        #expect(!whole.contains("previous_hash"))
        // The lines of a dossier's export import again (the field is known): a repeat of what is stored.
        let again = try dossier(["import", "--store", store, one])
        #expect(again.status == 0 && again.stdout.contains("0 events stored"), "\(again.stderr)")
    }
}
