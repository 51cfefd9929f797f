import Foundation
import LedgerTesting
import Testing

/// Under `--lang vi` every view, operation and error reads in Vietnamese (golden
/// `views-vi.txt`, `operations-vi.txt`), and no English word of ours is left in them.
@Suite(.temporaryDirectory)
struct VietnameseCLITests {
    /// English words that, if they appear, mean a message escaped the phrasebook.
    nonisolated(unsafe) static let english = /\b(?:the|is|are|not|no|of|and|rows|as of|give|cannot|must|verified|events?|total|unit)\b/

    /// The text without what stays as written: the program's name, commands, options, paths,
    /// quoted input, and projection names.
    static func words(_ text: String) -> String {
        text.replacing(/^dossier:|`[^`]*`|'[^']*'|"[^"]*"|--[a-z-]+|\S*\/\S*|\((dossiers|receipts) v\d+\)/.anchorsMatchLineEndings(), with: "")
    }

    @Test("every view in Vietnamese matches its golden output, with no English words of ours")
    func views() throws {
        let store = try fixedStore()
        let targets = TemporaryDirectory.path + "/targets.json"
        try #"""
        [{"name": "Tỷ lệ đúng hạn", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98},
         {"name": "Không phản ánh", "indicator": "complaints", "comparison": "<=", "threshold": 0}]
        """#.write(toFile: targets, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["late", "--include-finished", "--top", "5"],
            ["due-soon", "--as-of", "2026-11-20T08:00:00+07:00", "--within", "40"],
            ["rates", "--period", "2025-Q3", "--by", "unit"],
            ["report", "--period", "2025-Q3"],
            ["online", "--period", "2026"],
            ["accountability", "--period", "2025", "--by", "unit"],
            ["accountability", "--period", "2025", "--rewards"],
            ["satisfaction", "--period", "2024-01-01..2026-12-31"],
            ["home-support", "--period", "2024-01-01..2026-12-31"],
            ["scorecard", "--period", "2025", "--targets", targets],
        ]
        var all = ""
        for arguments in cases {
            let run = try dossier(arguments + ["--store", store, "--lang", "vi"])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            all += "$ dossier " + arguments.joined(separator: " ") + "\n" + run.stdout + "\n"
            let words = run.stdout.split(separator: "\n").prefix(1).joined() + run.stdout.split(separator: "\n").suffix(3).joined(separator: "\n")
            #expect(Self.words(words).firstMatch(of: Self.english) == nil, "\(arguments): English in the title or footer:\n\(words)")
        }
        try expectGolden(all.replacingOccurrences(of: TemporaryDirectory.path, with: "<tmp>"), "views-vi.txt")
    }

    @Test("operations and errors are said in Vietnamese, help abstracts too")
    func operations() throws {
        let store = try fixedStore()
        let bad = TemporaryDirectory.path + "/bad.jsonl"
        try #"{"id":"e1","dossier":"D1","type":"forwarded","at":"2026-01-01T08:00:00+07:00","actor":"a","unit":"U","to_unit":"U2"}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["verify", "--store", store],
            ["stats", "--store", store],
            ["import", "--store", store, bad],
            ["late", "--store", store, "--as-of", "yesterday"],
            ["late", "--store", store, "--unit", "H19.X0"],
            ["history", "NO-SUCH-DOSSIER", "--store", store],
            ["rates", "--store", store, "--period", "2099"],
            ["late", "--store", store, "--bogus"],
            ["late", "--store", TemporaryDirectory.path + "/nowhere"],
        ]
        var all = ""
        for arguments in cases {
            let run = try dossier(arguments + ["--lang", "vi"])
            all += "$ dossier " + arguments.joined(separator: " ") + "\nexit \(run.status)\n" + run.stdout + run.stderr + "\n"
            #expect(Self.words(run.stdout + run.stderr).firstMatch(of: Self.english) == nil, "\(arguments): English:\n\(run.stdout + run.stderr)")
        }
        try expectGolden(all.replacingOccurrences(of: TemporaryDirectory.path, with: "<tmp>"), "operations-vi.txt")
        let help = try dossier(["--help", "--lang", "vi"]).stdout
        #expect(help.contains("sổ kiểm toán chống sửa đổi") && help.contains("Danh sách hồ sơ quá hạn"))
        #expect(try dossier(["--help"]).stdout.contains("The late list: dossiers overdue"))
    }
}
