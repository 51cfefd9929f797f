import Foundation
import LedgerTesting
import Testing

/// The command line's manners: version, suggestions, bare dates, periods not begun, --top.
@Suite(.temporaryDirectory)
struct MannersCLITests {
    @Test("--version, a suggestion for a mistyped command, the store's default said once")
    func versionAndSuggestions() throws {
        let version = try dossier(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("0."))
        let typo = try dossier(["lates"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean late?"), "\(typo.stderr)")
        let help = try dossier(["late", "--help"]).stdout
        let storeHelp = try #require(help.range(of: "\n  --store <store>").map { help[$0.lowerBound...] }?.components(separatedBy: "--format")[0])
        #expect(storeHelp.components(separatedBy: "default").count - 1 == 1, "\(storeHelp)")
    }

    @Test("--as-of a bare date means the close of that local day; a period that has not begun is refused; --top")
    func datesPeriodsTop() throws {
        let store = try fixedStore()
        let byDate = try dossier(["late", "--store", store, "--as-of", "2026-11-26", "--include-finished", "--format", "json"])
        let byInstant = try dossier(["late", "--store", store, "--as-of", "2026-11-27T00:00:00+07:00", "--include-finished", "--format", "json"])
        #expect(byDate.status == 0 && byDate.stdout == byInstant.stdout)
        #expect(byDate.stdout.contains(#""report_instant":"2026-11-27T00:00:00+07:00""#))
        let future = try dossier(["rates", "--store", store, "--period", "2099"])
        #expect(future.status == 2 && future.stderr.contains("has not begun"), "\(future.stderr)")
        let count = { (json: String) in json.components(separatedBy: #""officer":"#).count - 1 }
        let all = try dossier(["accountability", "--store", store, "--period", "2025", "--format", "json"]).stdout
        let top = try dossier(["accountability", "--store", store, "--period", "2025", "--top", "2", "--format", "json"]).stdout
        #expect(count(all) > 2 && count(top) == 2)
        let late = try dossier(["late", "--store", store, "--include-finished", "--top", "0", "--format", "json"]).stdout
        #expect(late.contains(#""rows":[]"#))
        #expect(try dossier(["void", "--store", store, "--target", "x", "--reason", "r", "--actor", "cv.1", "--at", "2026-11-27"]).status == 2)
        // CSV: empty for null everywhere (an open dossier has no finish, no class, no rescheduled due).
        let csv = try dossier(["late", "--store", store, "--as-of", "2026-12-10", "--format", "csv"]).stdout
        #expect(csv.split(separator: "\n").count >= 2 && !csv.contains("null"), "\(csv)")
        // A byte-order mark under --lang vi (or --bom), none by default or with --no-bom.
        let rates = ["rates", "--store", store, "--period", "2025", "--format", "csv"]
        #expect(try dossier(rates + ["--lang", "vi"]).stdout.hasPrefix("\u{FEFF}group,"))
        #expect(try dossier(rates + ["--bom"]).stdout.hasPrefix("\u{FEFF}"))
        #expect(try dossier(rates).stdout.hasPrefix("group,"))
        #expect(try dossier(rates + ["--lang", "vi", "--no-bom"]).stdout.hasPrefix("group,"))
        // JSON of a periodic report states its period.
        let json = try dossier(["rates", "--store", store, "--period", "2025-Q3", "--format", "json"]).stdout
        #expect(json.contains(#""period":{"label":"2025-Q3","start":"2025-07-01T00:00:00+07:00","end":"2025-10-01T00:00:00+07:00"}"#))
    }

    @Test("a line that is not UTF-8 is kept in the rejects file as JSON, with its bytes in base64")
    func rejectedBytes() throws {
        let store = try fixedStore()
        let file = TemporaryDirectory.path + "/bad-utf8.jsonl"
        let line = Array(#"{"id":"u1","dossier":"U-1","type":"received","at":"2025-03-04T09:00:00+07:00","actor":"cb"#.utf8) + [0xff]
            + Array(#"","unit":"H19.X01","procedure":"1.001193","channel":"direct"}"#.utf8)
        try Data(line + [0x0a]).write(to: URL(fileURLWithPath: file))
        let rejects = TemporaryDirectory.path + "/rejects.jsonl"
        #expect(try dossier(["import", "--store", store, file, "--rejects", rejects]).status == 4)
        let object = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: rejects))) as? [String: Any])
        #expect(object["line"] as? Int == 1)
        #expect((object["bytes_base64"] as? String).flatMap { Data(base64Encoded: $0) } == Data(line))
    }
}
