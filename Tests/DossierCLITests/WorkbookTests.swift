import Foundation
import LedgerTesting
import Testing

/// Workbooks opened by LibreOffice (headless, converted back to CSV) hold the cells of the JSON
/// of the same report.
@Suite(.temporaryDirectory)
struct WorkbookTests {
    static let office = "/usr/bin/soffice"

    /// The fields of a CSV line (quotes, doubled quotes, commas inside quotes).
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            switch (c, quoted) {
            case ("\"", true):
                if let next = iterator.next() {
                    if next == "\"" { current.append("\"") } else { quoted = false; if next == "," { fields.append(current); current = "" } else { current.append(next) } }
                } else { quoted = false }
            case ("\"", false): quoted = true
            case (",", false): fields.append(current); current = ""
            default: current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    /// LibreOffice's reading of `workbook` as CSV lines.
    func opened(_ workbook: String) throws -> [[String]] {
        let out = TemporaryDirectory.path + "/lo-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.office)
        process.arguments = ["--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", out, workbook]
        process.environment = ["HOME": TemporaryDirectory.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let csv = out + "/" + ((workbook as NSString).lastPathComponent as NSString).deletingPathExtension + ".csv"
        return try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(Self.fields)
    }

    /// Whether LibreOffice's text of a cell shows the JSON value.
    static func shows(_ cell: String, _ value: Any?) -> Bool {
        if cell == "TRUE" || cell == "FALSE" {
            if let b = value as? Bool { return b == (cell == "TRUE") }
            return (value as? NSNumber)?.boolValue == (cell == "TRUE")
        }
        switch value {
        case nil, is NSNull: return cell.isEmpty
        case let n as NSNumber:
            let shown = Double(cell.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: ",", with: ""))
            return shown.map { abs($0 - n.doubleValue) < 0.005 } ?? false
        case let s as String:
            // Instants: LibreOffice shows the local dd/mm/yyyy hh:mm.
            if let match = s.firstMatch(of: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/) {
                return cell == "\(match.3)/\(match.2)/\(match.1) \(match.4):\(match.5)"
            }
            return cell == s
        case let codes as [Any]: return cell == codes.map { "\($0)" }.joined(separator: " ")
        default: return false
        }
    }

    @Test("every view's workbook opens in LibreOffice with the cells of its JSON: text, numbers, percentages, dates, booleans",
          .enabled(if: FileManager.default.isExecutableFile(atPath: WorkbookTests.office), "needs LibreOffice (libreoffice-calc-nogui): skipped"))
    func workbooksMatchJSON() throws {
        let store = try fixedStore()
        let views: [(String, [String])] = [
            ("late", ["late", "--include-finished", "--as-of", "2026-12-10"]),
            ("rates", ["rates", "--period", "2025", "--by", "unit"]),
            ("report", ["report", "--period", "2025"]),
            ("online", ["online", "--period", "2026"]),
            ("accountability", ["accountability", "--period", "2025"]),
            ("satisfaction", ["satisfaction", "--period", "2024-01-01..2026-11-30"]),
            ("history", ["history", try #require(try String(contentsOfFile: TemporaryDirectory.path + "/province/events.jsonl", encoding: .utf8)
                .firstMatch(of: /"dossier":"([^"]+)"/).map { String($0.1) })]),
        ]
        for (name, arguments) in views {
            let workbook = TemporaryDirectory.path + "/\(name).xlsx"
            let run = try dossier(arguments + ["--store", store, "--format", "xlsx", "--output", workbook])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(try dossier(arguments + ["--store", store, "--format", "json"]).stdout.utf8)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            let cells = try opened(workbook)
            let header = cells[0]
            #expect(cells.count >= rows.count + 1, "\(name)")
            for (index, row) in rows.enumerated() {
                for (column, field) in header.enumerated() {
                    let key = field.replacingOccurrences(of: " ", with: "_")
                    let cell = column < cells[index + 1].count ? cells[index + 1][column] : ""
                    #expect(Self.shows(cell, row[key] ?? nil), "\(name) row \(index + 1) \(key): LibreOffice shows \(cell), JSON has \(String(describing: row[key]))")
                }
            }
            // The footer states the checkpoint.
            #expect(cells.last?.first?.contains("checkpoint") == true, "\(name)")
        }
        // Vietnamese headers under --lang vi; --output is required.
        let vi = TemporaryDirectory.path + "/rates-vi.xlsx"
        #expect(try dossier(["rates", "--period", "2025", "--store", store, "--format", "xlsx", "--output", vi, "--lang", "vi"]).status == 0)
        #expect(try opened(vi)[0].contains("Tỷ lệ đúng hạn"))
        #expect(try dossier(["rates", "--period", "2025", "--store", store, "--format", "xlsx"]).status == 2)
    }
}
