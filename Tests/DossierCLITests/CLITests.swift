import Foundation
import LedgerTesting
import ProvinceGenerator
import Testing

/// What one run of the real `dossier` executable printed, and its exit code.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `dossier` executable built with the tests, with a neutral environment.
func dossier(_ arguments: [String], stdin: String? = nil) throws -> Run {
    let process = Process()
    process.executableURL = ChildProcess.productsDirectory.appendingPathComponent("dossier")
    process.arguments = arguments
    process.environment = ["LANG": "C", "PATH": "/usr/bin:/bin"]
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// A store of the fixed small data set: the demo province, seed 42, 80 dossiers, swept on 2026-11-27.
func fixedStore() throws -> String {
    let directory = TemporaryDirectory.path
    _ = try ProvinceGenerator(options: .init(seed: 42, dossiers: 80)).write(to: directory + "/province")
    let store = directory + "/stores/fixed"  // init creates the missing parent too
    let p = directory + "/province"
    for arguments in [["init", "--store", store, "--procedures", p + "/procedures.json", "--units", p + "/units.json", "--officers", p + "/officers.json"],
                      ["import", "--store", store, p + "/events.jsonl"],
                      ["sweep", "--store", store, "--as-of", "2026-11-27T17:00:00+07:00"]] {
        let run = try dossier(arguments)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }
    return store
}

/// Hashes change with recording times: golden files hold `<hash>` in their place.
func normalized(_ text: String) -> String {
    text.replacingOccurrences(of: #"\b[0-9a-f]{12,64}\b"#, with: "<hash>", options: .regularExpression)
}

/// Compares with `Tests/DossierCLITests/Golden/<name>`; `GOLDEN_RECORD=1` writes it instead.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/" + name).path
    if ProcessInfo.processInfo.environment["GOLDEN_RECORD"] == "1" {
        try normalized(text).write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(normalized(text) == expected, "golden \(name) differs", sourceLocation: sourceLocation)
}

@Suite(.temporaryDirectory)
struct CLITests {
    @Test("every view in table, JSON and CSV on the fixed data set matches its golden output")
    func goldenViews() throws {
        let store = try fixedStore()
        let cases: [(String, [String])] = [
            ("late.txt", ["late", "--include-finished"]),
            ("late.json", ["late", "--include-finished", "--format", "json"]),
            ("late.csv", ["late", "--include-finished", "--format", "csv"]),
            ("late-unit.txt", ["late", "--include-finished", "--unit", "H19.SKHDT"]),
            ("rates-unit.txt", ["rates", "--period", "2025", "--by", "unit"]),
            ("rates-unit.json", ["rates", "--period", "2025", "--by", "unit", "--format", "json"]),
            ("rates-channel.csv", ["rates", "--period", "2025-Q3", "--by", "channel", "--format", "csv"]),
            ("rates-vi.txt", ["rates", "--period", "2025", "--by", "procedure", "--lang", "vi"]),
            ("online.txt", ["online", "--period", "2026"]),
            ("accountability.txt", ["accountability", "--period", "2025"]),
            ("accountability-unit.json", ["accountability", "--period", "2025", "--by", "unit", "--format", "json"]),
            ("rewards.txt", ["accountability", "--period", "2025", "--rewards"]),
            ("satisfaction.json", ["satisfaction", "--period", "2024-01-01..2026-12-31", "--format", "json"]),
            ("home-support.txt", ["home-support", "--period", "2024-01-01..2026-12-31"]),
        ]
        for (name, arguments) in cases {
            let run = try dossier(arguments + ["--store", store])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            try expectGolden(run.stdout, name)
        }
    }

    @Test("history shows the state after each event, in English and Vietnamese, and time-travels")
    func history() throws {
        let store = try fixedStore()
        let events = try String(contentsOfFile: TemporaryDirectory.path + "/province/events.jsonl", encoding: .utf8)
        let line = try #require(events.split(separator: "\n").first { $0.contains("apology_issued") })
        let code = try #require(line.firstMatch(of: /"dossier":"([^"]+)"/)?.1)
        let full = try dossier(["history", String(code), "--store", store])
        #expect(full.status == 0)
        #expect(full.stdout.contains("apology_issued") && full.stdout.contains("hash links: intact"))
        try expectGolden(full.stdout, "history.txt")
        try expectGolden(try dossier(["history", String(code), "--store", store, "--lang", "vi"]).stdout, "history-vi.txt")
        let two = try dossier(["history", String(code), "--store", store, "--version", "2", "--format", "json"])
        #expect(two.stdout.components(separatedBy: "\"seq\":").count - 1 == 3)  // the checkpoint and two events
    }

    @Test("a second sweep adds nothing; the scorecard summarises the targets")
    func sweepAndScorecard() throws {
        let store = try fixedStore()
        let again = try dossier(["sweep", "--store", store, "--as-of", "2026-11-27T17:00:00+07:00", "--format", "json"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("\"appended\":[]"))
        let targets = TemporaryDirectory.path + "/targets.json"
        try #"""
        [{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98},
         {"name": "Online rate", "indicator": "online_rate", "comparison": ">=", "threshold": 50},
         {"name": "No complaints", "indicator": "complaints", "comparison": "<=", "threshold": 0},
         {"name": "766 score", "indicator": "score_766", "comparison": ">=", "threshold": 18},
         {"name": "Indicator 5.4", "indicator": "score_5_4", "comparison": ">=", "threshold": 90},
         {"name": "Apologies", "indicator": "late_without_apology", "comparison": "<=", "threshold": 0}]
        """#.write(toFile: targets, atomically: true, encoding: .utf8)
        let card = try dossier(["scorecard", "--store", store, "--period", "2025", "--targets", targets])
        #expect(card.status == 0, "\(card.stderr)")
        #expect(card.stdout.contains("/6 met"))
        try expectGolden(card.stdout, "scorecard.txt")
    }

    @Test("errors are one line with the fix, and exit codes say what kind")
    func errors() throws {
        let store = try fixedStore()
        let missing = try dossier(["late", "--store", TemporaryDirectory.path + "/nowhere"])
        #expect(missing.status == 1 && missing.stderr.contains("dossier init"))
        let period = try dossier(["rates", "--store", store, "--period", "2025-13"])
        #expect(period.status == 2 && period.stderr.contains("a quarter 2025-Q3"))
        #expect(try dossier(["frobnicate"]).status == 2)
        let instant = try dossier(["late", "--store", store, "--as-of", "2025-03-04 09:00"])
        #expect(instant.status == 2 && instant.stderr.contains("offset"))
        let directory = try dossier(["import", "--store", store, TemporaryDirectory.path])
        #expect(directory.status == 1 && directory.stderr.contains("is a directory"))
        let absent = try dossier(["import", "--store", store, TemporaryDirectory.path + "/absent.jsonl"])
        #expect(absent.status == 1 && absent.stderr.contains("no such file"))
        let huge = TemporaryDirectory.path + "/huge.jsonl"
        try (#"{"id":"h","note":""# + String(repeating: "a", count: 2 << 20) + "\"}\n").write(toFile: huge, atomically: true, encoding: .utf8)
        let long = try dossier(["import", "--store", store, huge])
        #expect(long.status == 1 && long.stderr.contains("longer than"))
        let invalidUTF8 = TemporaryDirectory.path + "/bad-utf8.jsonl"
        var bytes = Array(#"{"id":"u1","dossier":"U-1","type":"received","at":"2025-03-04T09:00:00+07:00","actor":"cb"#.utf8)
        bytes += [0xff] + Array(#"","unit":"H19.X01","procedure":"1.001193","channel":"direct"}"#.utf8) + [0x0a]
        try Data(bytes).write(to: URL(fileURLWithPath: invalidUTF8))
        let utf8 = try dossier(["import", "--store", store, invalidUTF8])
        #expect(utf8.status == 1 && utf8.stderr.contains("line 1") && utf8.stderr.contains("UTF-8"))
        // A year with no calendar: the dossiers that need it are not silently left out, but counted and named.
        let noCalendar = try dossier(["late", "--store", store, "--as-of", "2027-06-01T10:00:00+07:00"])
        #expect(noCalendar.status == 0 && noCalendar.stdout.contains("not judged: ") && noCalendar.stdout.contains("calendar of 2027"),
                "\(noCalendar.stdout)")
        let noCalendarJSON = try dossier(["late", "--store", store, "--as-of", "2027-06-01T10:00:00+07:00", "--format", "json"]).stdout
        #expect(noCalendarJSON.contains(#""unjudged":{"count":"#) && noCalendarJSON.contains(#""calendar_years_missing":[2027]"#))
        let noCalendarCSV = try dossier(["late", "--store", store, "--as-of", "2027-06-01T10:00:00+07:00", "--format", "csv"]).stdout
        #expect(noCalendarCSV.contains("\n# not judged: "))
        // An operator loads the year (without a code change); the same question then has an answer.
        let year = TemporaryDirectory.path + "/calendar-2027.json"
        try #"[{"year": 2027, "notice": "Thông báo 2027 (test)", "days_off": ["2027-01-01", "2027-04-30", "2027-09-02"], "saturdays_worked": []}]"#
            .write(toFile: year, atomically: true, encoding: .utf8)
        let loaded = try dossier(["import", "--store", store, "--calendar", year])
        #expect(loaded.status == 0 && loaded.stdout.contains("1 recorded"), "\(loaded.stderr)")
        let judged = try dossier(["late", "--store", store, "--as-of", "2027-06-01T10:00:00+07:00"])
        #expect(judged.status == 0 && !judged.stdout.contains("not judged"))
        for run in [missing, period, instant, directory, absent, long, utf8, noCalendar] {
            #expect(!run.stderr.contains("Fatal") && run.stderr.split(separator: "\n").count <= 2)
        }
    }

    @Test("a bad line stores nothing and names the line; --rejects keeps the rest")
    func importErrors() throws {
        let store = try fixedStore()
        let before = try dossier(["export", "--store", store]).stdout
        let bad = TemporaryDirectory.path + "/bad.jsonl"
        try """
        {"id":"n1","dossier":"NEW-1","type":"received","at":"2026-11-27T09:00:00+07:00","actor":"cb.h19.x01.1","unit":"H19.X01","procedure":"1.001193","channel":"direct"}
        {"id":"n2","dossier":"NEW-1","type":"processed","at":"2026-11-27T10:00:00+07:00","actor":"cv.h19.x01.1","unit":"H19.X01","outcome":"granted"}

        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let run = try dossier(["import", "--store", store, bad])
        #expect(run.status == 1 && run.stderr.contains("line 2") && run.stderr.contains("outcome"))
        #expect(try dossier(["export", "--store", store]).stdout == before)
        let rejects = TemporaryDirectory.path + "/rejects.jsonl"
        let kept = try dossier(["import", "--store", store, bad, "--rejects", rejects])
        // Stored, but a line was rejected: exit code 4.
        #expect(kept.status == 4 && kept.stdout.contains("1 events stored") && kept.stdout.contains("1 rejected"))
        #expect(kept.stderr.contains("1 lines were rejected"))
        // The rejects file is JSON Lines: each rejected line with its reason and its text.
        let rejected = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(rejected.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rejected[0].utf8)) as? [String: Any])
        #expect(object["line"] as? Int == 2 && object["field"] as? String == "outcome" && object["event_id"] as? String == "n2")
        let text = try #require(object["text"] as? String)
        #expect(text.contains(#""outcome":"granted""#))
        // Fixed, the line imports again.
        let fixed = TemporaryDirectory.path + "/fixed.jsonl"
        try (text.replacingOccurrences(of: "granted", with: "approved") + "\n").write(toFile: fixed, atomically: true, encoding: .utf8)
        #expect(try dossier(["import", "--store", store, fixed]).status == 0)
    }

    @Test("append checks the expected version; read-only mode refuses every write")
    func appendAndReadOnly() throws {
        let store = try fixedStore()
        let received = ["append", "--store", store, "--id", "a1", "--dossier", "NEW-2", "--type", "received", "--at", "2026-11-27T09:00:00+07:00",
                        "--actor", "cb.h19.x01.1", "--unit", "H19.X01", "--field", "procedure=1.001193", "--field", "channel=direct"]
        let wrong = try dossier(received + ["--expected-version", "3"])
        #expect(wrong.status == 5 && wrong.stderr.contains("expected") && wrong.stderr.contains("retry"))  // a version conflict
        #expect(try dossier(received + ["--expected-version", "0"]).status == 0)
        let repeatRun = try dossier(received)
        #expect(repeatRun.status == 0 && repeatRun.stdout.contains("already stored"))
        let before = try dossier(["export", "--store", store]).stdout
        for arguments in [["import", "--store", store, "-"], ["sweep", "--store", store], ["rebuild", "--store", store],
                          ["append", "--store", store, "--json", "{}"]] {
            let run = try dossier(arguments + ["--read-only"], stdin: "")
            #expect(run.status == 1 && run.stderr.contains("read-only"), "\(arguments): \(run.stderr)")
        }
        #expect(try dossier(["export", "--store", store]).stdout == before)
        #expect(try dossier(["late", "--store", store, "--read-only"]).status == 0)
    }

    @Test("verify passes on an intact store and exits 3 on a flipped byte")
    func verifyExitCodes() throws {
        let store = try fixedStore()
        #expect(try dossier(["verify", "--store", store]).status == 0)
        var data = try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb"))
        let needle = Data("cb.h19.x0".utf8)
        let range = try #require(data.range(of: needle))
        data[range.lowerBound] = UInt8(ascii: "C")
        try data.write(to: URL(fileURLWithPath: store + "/data.mdb"))
        let run = try dossier(["verify", "--store", store])
        #expect(run.status == 3 && run.stderr.contains("FAILED") && run.stderr.contains("seq"))
        // A truncated data file: a clear error, exit code 3, no crash.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: store + "/data.mdb")[.size] as? Int)
        #expect(truncate(store + "/data.mdb", off_t(size / 3)) == 0)
        let truncated = try dossier(["verify", "--store", store])
        #expect(truncated.status == 3 && truncated.stderr.contains("truncated") && !truncated.stderr.contains("Fatal"), "\(truncated.stderr)")
    }

    @Test("rebuild swaps in new projections with the same answers; stats shows the head and the checkpoints")
    func rebuildAndStats() throws {
        let store = try fixedStore()
        let before = try dossier(["rates", "--store", store, "--period", "2025", "--by", "unit", "--format", "json"]).stdout
        let rebuild = try dossier(["rebuild", "--store", store])
        #expect(rebuild.status == 0 && rebuild.stdout.contains("rebuilt dossiers v3") && rebuild.stdout.contains("rebuilt receipts v2"))
        #expect(try dossier(["rates", "--store", store, "--period", "2025", "--by", "unit", "--format", "json"]).stdout == before)
        let stats = try dossier(["stats", "--store", store])
        #expect(stats.status == 0 && stats.stdout.contains("head hash") && stats.stdout.contains(/projection dossiers +v3 at seq/))
        let json = try dossier(["stats", "--store", store, "--format", "json"]).stdout
        #expect(json.hasPrefix("{\"events\":") && json.contains("\"projection_dossiers\":{\"version\":3,\"seq\":"))
        #expect(try dossier(["rebuild", "--store", store, "--projection", "nope"]).status == 2)
    }

    @Test("verify-export checks an export without the store: intact, an altered line, a removed line")
    func verifyExport() throws {
        let store = try fixedStore()
        let path = TemporaryDirectory.path + "/log.jsonl"
        #expect(try dossier(["export", "--store", store, "--output", path]).status == 0)
        let ok = try dossier(["verify-export", path])
        #expect(ok.status == 0 && ok.stdout.contains("every hash recomputes"), "\(ok.stderr)")
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let altered = TemporaryDirectory.path + "/altered.jsonl"
        let index = try #require(lines.firstIndex { $0.contains("\"processed\"") })
        var changed = lines
        changed[index] = changed[index].replacingOccurrences(of: "\"approved\"", with: "\"refused\"")
        #expect(changed[index] != lines[index])
        try (changed.joined(separator: "\n") + "\n").write(toFile: altered, atomically: true, encoding: .utf8)
        let tampered = try dossier(["verify-export", altered])
        #expect(tampered.status == 3 && tampered.stderr.contains("line \(index + 1)"), "\(tampered.stderr)")
        lines.remove(at: 200)
        try (lines.joined(separator: "\n") + "\n").write(toFile: altered, atomically: true, encoding: .utf8)
        let removed = try dossier(["verify-export", altered])
        #expect(removed.status == 3 && removed.stderr.contains("line 201"), "\(removed.stderr)")
    }

    @Test("a signed checkpoint: the log extends it after more appends; a rewrite with every hash recomputed fails with exit 3")
    func signedCheckpoint() throws {
        let store = try fixedStore()
        let key = TemporaryDirectory.path + "/office.key", checkpoint = TemporaryDirectory.path + "/head.checkpoint"
        #expect(try dossier(["checkpoint", "--new-key", key]).status == 0)
        #expect(try dossier(["checkpoint", "--store", store, "--key", key, "--output", checkpoint]).status == 0)
        // A C2SP checkpoint: origin, tree size, root, our head line, a blank line, the signature.
        #expect(try String(contentsOfFile: checkpoint, encoding: .utf8).contains(#/^dossierledger/fixed\n\d+\n[A-Za-z0-9+/=]{44}\nhead [0-9a-f]{64}\n\n— \S+ /#))
        let more = ["append", "--store", store, "--id", "later", "--dossier", "NEW-9", "--type", "received", "--at", "2026-11-27T09:00:00+07:00",
                    "--actor", "cb.h19.x01.1", "--unit", "H19.X01", "--field", "procedure=1.001193", "--field", "channel=direct"]
        #expect(try dossier(more).status == 0)
        let ok = try dossier(["verify", "--store", store, "--checkpoint", checkpoint, "--public-key", key + ".pub"])
        #expect(ok.status == 0 && ok.stdout.contains("extends the signed checkpoint"), "\(ok.stderr)")

        // The rewriter changes one early event and imports everything again: every hash is recomputed.
        let export = try dossier(["export", "--store", store]).stdout.split(separator: "\n").map { line in
            String(line).replacingOccurrences(of: #","seq":\d+,"version":\d+,"recorded":"[^"]+","hash":"[0-9a-f]+""#, with: "", options: .regularExpression)
        }
        let events = export.filter { !$0.contains("\"stream\"") }
        var rewritten = events
        let index = try #require(rewritten.firstIndex { $0.contains("\"approved\"") })
        rewritten[index] = rewritten[index].replacingOccurrences(of: "\"approved\"", with: "\"refused\"")
        let file = TemporaryDirectory.path + "/rewritten.jsonl"
        try (rewritten.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let forged = TemporaryDirectory.path + "/forged"
        let p = TemporaryDirectory.path + "/province"
        #expect(try dossier(["init", "--store", forged, "--procedures", p + "/procedures.json", "--units", p + "/units.json", "--officers", p + "/officers.json"]).status == 0)
        let imported = try dossier(["import", "--store", forged, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try dossier(["verify", "--store", forged]).status == 0)  // internally consistent
        let caught = try dossier(["verify", "--store", forged, "--checkpoint", checkpoint, "--public-key", key + ".pub"])
        #expect(caught.status == 3 && caught.stderr.contains("rewritten"), "\(caught.stderr)")
        // Another key, or an altered checkpoint, is refused too.
        #expect(try dossier(["checkpoint", "--new-key", key + "2"]).status == 0)
        #expect(try dossier(["verify", "--store", store, "--checkpoint", checkpoint, "--public-key", key + "2.pub"]).status == 3)
        let text = try String(contentsOfFile: checkpoint, encoding: .utf8)
        try text.replacing(/\n(\d+)\n/) { "\n\(Int($0.1)! + 1)\n" }.write(toFile: checkpoint, atomically: true, encoding: .utf8)
        #expect(try dossier(["verify", "--store", store, "--checkpoint", checkpoint, "--public-key", key + ".pub"]).status == 3)
    }

    @Test("every command's help shows a real example")
    func helpExamples() throws {
        for command in ["init", "import", "append", "export", "history", "late", "rates", "online", "accountability", "satisfaction",
                        "home-support", "scorecard", "sweep", "rebuild", "verify", "verify-export", "checkpoint", "stats"] {
            let run = try dossier([command, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("dossier \(command)"), "\(command) --help has no example")
        }
    }
}
