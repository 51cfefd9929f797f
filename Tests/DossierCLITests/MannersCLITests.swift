import Foundation
import LedgerTesting
import Testing

/// The command line's manners: version, suggestions, bare dates, periods not begun, --top.
@Suite(.temporaryDirectory)
struct MannersCLITests {
    @Test("--version, a suggestion for a mistyped command, the store's default said once")
    func versionAndSuggestions() throws {
        let version = try dossier(["--version"])
        // The package version and the git revision the build was made from.
        let git = Process(), out = Pipe()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["-C", URL(fileURLWithPath: #filePath).deletingLastPathComponent().path, "describe", "--always", "--dirty"]
        git.standardOutput = out
        git.standardError = Pipe()
        try git.run()
        let described = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        git.waitUntilExit()
        let revision = git.terminationStatus == 0 ? described : nil
        #expect(version.status == 0 && version.stdout.wholeMatch(of: /0\.\d+\.\d+ \(([0-9a-f]{7,}(-dirty)?|unknown)\)\n/) != nil, "\(version.stdout)")
        if let revision { #expect(version.stdout.contains("(\(revision.trimmingCharacters(in: .whitespacesAndNewlines)))")) }
        // Shell completions for every shell make install puts them for, with file and directory kinds.
        for shell in ["bash", "zsh", "fish"] {
            let script = try dossier(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("dossier") && script.stdout.contains("store"), "\(shell)")
        }
        let typo = try dossier(["lates"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean late?"), "\(typo.stderr)")
        let help = try dossier(["late", "--help"]).stdout
        let storeHelp = try #require(help.range(of: "\n  --store <store>").map { help[$0.lowerBound...] }?.components(separatedBy: "\n  --cache")[0])
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

    @Test("--format is honoured by the operations (import, append, verify, rebuild, checkpoint, export, verify-export, stats) or refused")
    func formats() throws {
        let store = try fixedStore()
        func object(_ arguments: [String]) throws -> [String: Any] {
            let run = try dossier(arguments + ["--format", "json"])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(arguments): \(run.stdout)")
        }
        #expect(try object(["verify", "--store", store])["intact"] as? Bool == true)
        #expect(try object(["rebuild", "--store", store])["dossiers_seq"] as? Int != nil)
        #expect(try object(["checkpoint", "--store", store])["seq"] as? Int != nil)
        let events = TemporaryDirectory.path + "/province/events.jsonl"
        #expect(try object(["import", "--store", store, events])["already_stored"] as? Int ?? 0 > 0)
        let one = TemporaryDirectory.path + "/one.jsonl"
        let code = try #require(try String(contentsOfFile: events, encoding: .utf8).firstMatch(of: /"dossier":"([^"]+)"/)?.1)
        #expect(try object(["export", "--store", store, "--dossier", String(code), "--output", one])["lines"] as? Int ?? 0 > 0)
        let checked = try dossier(["verify-export", one, "--format", "json"])
        #expect(checked.status == 0 && checked.stdout.contains(#""records_verified":"#))
        let csv = try dossier(["import", "--store", store, events, "--format", "csv"]).stdout
        #expect(csv.hasPrefix("file,lines,stored,already_stored,rejected,"))
        let stats = try dossier(["stats", "--store", store, "--format", "csv"]).stdout
        #expect(stats.contains(/\nstore_bytes,[0-9]+\n/))
        #expect(try dossier(["export", "--store", store, "--format", "csv"]).status == 2)
    }

    @Test("--columns chooses a view's fields in every format; unit rows say their level and parent, so that a script can sum leaves")
    func columnsAndLevels() throws {
        let store = try fixedStore()
        let rates = ["rates", "--store", store, "--period", "2025", "--by", "unit"]
        let csv = try dossier(rates + ["--format", "csv", "--columns", "group,parent,population"]).stdout
        #expect(csv.hasPrefix("group,parent,population,checkpoint_seq,checkpoint_hash\n"))
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let total = try #require(rows.last { $0[0] == "total" })
        // The leaves (groups no other row names as parent) add up to the total.
        let parents = Set(rows.map { $0[1] })
        let leaves = rows.filter { $0[0] != "total" && !parents.contains($0[0]) }
        #expect(leaves.map { Int($0[2])! }.reduce(0, +) == Int(total[2])!)
        let json = try dossier(rates + ["--format", "json", "--columns", "population,group"]).stdout
        #expect(json.contains(#"{"population":"#) && !json.contains(#""early""#))
        let table = try dossier(rates + ["--columns", "group,level"]).stdout
        #expect(table.contains("province") && !table.contains("on time rate"))
        let unknown = try dossier(rates + ["--columns", "group,nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no field nope"))
    }

    @Test("Vietnamese tables: statuses, event types and standings in words, periods as Vietnamese reports write them, no raw timestamps in titles")
    func vietnameseTables() throws {
        let store = try fixedStore()
        let events = try String(contentsOfFile: TemporaryDirectory.path + "/province/events.jsonl", encoding: .utf8)
        let code = try #require(events.firstMatch(of: /"dossier":"([^"]+)"/).map { String($0.1) })
        let history = try dossier(["history", code, "--store", store, "--lang", "vi"]).stdout
        #expect(history.contains("đã tiếp nhận") && history.contains("trong hạn") && !history.contains(" in_time "))
        for (period, words) in [("2025-Q3", "Quý III/2025"), ("2025-09", "Tháng 9/2025"), ("2025", "Năm 2025"),
                                ("2025-07-01..2025-09-30", "01/07/2025–30/09/2025")] {
            let title = try dossier(["rates", "--store", store, "--period", period, "--lang", "vi"]).stdout.split(separator: "\n")[0]
            #expect(title.contains(words), "\(title)")
        }
        let late = try dossier(["late", "--store", store, "--as-of", "2026-12-10", "--lang", "vi"]).stdout.split(separator: "\n")[0]
        #expect(late == "Hồ sơ quá hạn tính đến 11/12/2026 00:00")
        // JSON and CSV keep the codes.
        #expect(try dossier(["history", code, "--store", store, "--lang", "vi", "--format", "csv"]).stdout.contains(",received,"))
    }

    @Test("the periodic report: counts that add up as a provincial report's, each unit before the units under it, --unit for a subtree")
    func periodicReport() throws {
        let store = try fixedStore()
        let run = try dossier(["report", "--store", store, "--period", "2025", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count > 3 && rows.last?["unit"] as? String == "total")
        var seen: Set<String> = []
        for row in rows {
            let n = { (key: String) in row[key] as? Int ?? -1 }
            #expect(n("to_resolve") == n("received_online") + n("carried_over") + n("received_direct_postal"))
            #expect(n("to_resolve") == n("resolved") + n("in_progress"))
            #expect(n("resolved") == n("early") + n("on_time") + n("late") && n("in_progress") == n("not_yet_due") + n("overdue"))
            if let parent = row["parent"] as? String, rows.contains(where: { $0["unit"] as? String == parent }) {
                #expect(seen.contains(parent), "\(row["unit"] ?? "") before its parent \(parent)")
            }
            seen.insert(row["unit"] as? String ?? "")
        }
        let subtree = try dossier(["report", "--store", store, "--period", "2025", "--unit", "H19.17", "--format", "csv", "--columns", "unit"]).stdout
        #expect(subtree.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("H19.17") })
        #expect(try dossier(["report", "--store", store, "--period", "2025", "--lang", "vi"]).stdout.hasPrefix("Báo cáo tình hình giải quyết hồ sơ Năm 2025"))
    }
}
