public import DossierDomain
public import Foundation
public import Views
import ZIPFoundation

/// A report as an Excel workbook (Office Open XML, SpreadsheetML in a zip): one sheet, the header
/// row frozen and in the report's language, numbers as numbers (rates as percentages with two
/// decimals), instants as dates, column widths fitted, the checkpoint and report instant in a
/// footer row, and printed landscape on A4, the whole width on a page.
public struct Workbook: Sendable {
    public let renderer: Renderer

    public init(renderer: Renderer) { self.renderer = renderer }

    /// The media type of what ``data(_:)`` writes.
    public static let mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// Writes `report` to `path` (replacing it).
    /// - Throws: ``WorkbookError`` when the file cannot be written.
    public func write<Row: ReportRow>(_ report: Report<Row>, to path: String) throws {
        do {
            try data(report).write(to: URL(fileURLWithPath: path))
        } catch {
            throw WorkbookError(phrase: "cannot write the workbook \(path): \(error)")
        }
    }

    /// The workbook of `report`, as the bytes of its file (what the service sends).
    /// - Throws: what the zip archive throws (it is made in memory).
    public func data<Row: ReportRow>(_ report: Report<Row>) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (name, text) in parts(report) {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }

    /// The package's parts, by name.
    func parts<Row: ReportRow>(_ report: Report<Row>) -> [(String, String)] {
        let sheetName = Workbook.sheetName(renderer.title(report))
        return [
            ("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """),
            ("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """),
            ("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\(Workbook.escape(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """),
            ("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """),
            ("xl/styles.xml", Workbook.styles),
            ("xl/worksheets/sheet1.xml", sheet(report)),
        ]
    }

    /// Cell styles, by index in `cellXfs`: 0 general, 1 header (bold), 2 two decimals,
    /// 3 percentage with two decimals, 4 date and time.
    static let styles = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>
    """

    /// The worksheet: header, rows, a blank row, the footer.
    func sheet<Row: ReportRow>(_ report: Report<Row>) -> String {
        let names = renderer.fields(Row.self)
        let header = names.map(renderer.label)
        // People read the workbook: coded values in the report's language, as in the table.
        let rows = report.rows.map { row in
            zip(renderer.values(row), names).map { value, field -> Value in
                if case .text = value, Vietnamese.codedFields.contains(field) { return .text(renderer.display(value, field: field)) }  // names stay whole
                return value
            }
        }
        var widths = header.map { $0.count }
        for row in rows { for (i, value) in row.enumerated() { widths[i] = max(widths[i], renderer.text(value).count) } }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"  // printed: the whole width on a landscape page
            + "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
            + "<cols>" + widths.enumerated().map { "<col min=\"\($0 + 1)\" max=\"\($0 + 1)\" width=\"\(min(60, $1 + 2))\" customWidth=\"1\"/>" }.joined() + "</cols>"
            + "<sheetData>"
        xml += "<row r=\"1\">" + header.enumerated().map { Workbook.text($1, at: Workbook.cell($0, 1), style: 1) }.joined() + "</row>"
        for (r, row) in rows.enumerated() {
            xml += "<row r=\"\(r + 2)\">" + row.enumerated().map { cell($1, at: Workbook.cell($0, r + 2)) }.joined() + "</row>"
        }
        let footer = renderer.footer(report.provenance, reportInstant: report.reportInstant, rows: report.rows.count)
        xml += "<row r=\"\(rows.count + 3)\">" + Workbook.text(footer, at: Workbook.cell(0, rows.count + 3), style: 0) + "</row>"
        return xml + "</sheetData><pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.5\" header=\"0.3\" footer=\"0.3\"/>"
            + "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/></worksheet>"
    }

    /// One typed cell; nil and null leave it empty.
    func cell(_ value: Value, at reference: String) -> String {
        func number(_ n: Double, style: Int) -> String { "<c r=\"\(reference)\" s=\"\(style)\"><v>\(n)</v></c>" }
        switch value {
        case .text(let s), .digest(let s): return Workbook.text(s, at: reference, style: 0)
        case .codes(let codes): return Workbook.text(codes.joined(separator: " "), at: reference, style: 0)
        case .integer(let n): return "<c r=\"\(reference)\"><v>\(n)</v></c>"
        case .hours(let h): return number(h, style: 2)
        case .points(let p?): return number(p, style: 2)
        case .percent(let p?): return number(p / 100, style: 3)
        case .instant(let i?):
            // Excel's serial date in local time (UTC+07:00): days since 1899-12-30.
            return number(Double(i.microseconds + 7 * 3_600_000_000) / 86_400_000_000 + 25_569, style: 4)
        case .flag(let b): return "<c r=\"\(reference)\" t=\"b\"><v>\(b ? 1 : 0)</v></c>"
        case .null, .points(nil), .percent(nil), .instant(nil): return ""
        }
    }

    static func text(_ s: String, at reference: String, style: Int) -> String {
        "<c r=\"\(reference)\" t=\"inlineStr\"\(style == 0 ? "" : " s=\"\(style)\"")><is><t xml:space=\"preserve\">\(escape(s))</t></is></c>"
    }

    /// `A1`-style reference of column `column` (0-based) and row `row` (1-based).
    static func cell(_ column: Int, _ row: Int) -> String {
        var name = "", n = column + 1
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name + String(row)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: if c.value >= 0x20 || c == "\t" || c == "\n" { out.unicodeScalars.append(c) }  // XML 1.0 has no other controls
            }
        }
        return out
    }

    /// A sheet's name: at most 31 characters, none of `[]:*?/\`.
    static func sheetName(_ title: String) -> String {
        let cleaned = String(title.map { "[]:*?/\\".contains($0) ? "-" : $0 })
        return String(cleaned.prefix(31))
    }
}

/// A workbook that could not be written, and why.
public struct WorkbookError: PhrasedError {
    public let phrase: Phrase
}
