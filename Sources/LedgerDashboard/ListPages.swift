import DossierDomain
import Foundation
import Hummingbird
import LedgerService
import ReportFormats
import Views

/// The dossier lists of the dashboard, with the command line's filters (`unit`, `officer`,
/// `procedure`), 50 rows a page, and the CSV of exactly the rows shown.
enum DossierList: String, Sendable {
    case late
    case dueSoon = "due-soon"

    var title: String {
        switch self {
        case .late: HTML.both("Hồ sơ trễ hạn", "Late dossiers")
        case .dueSoon: HTML.both("Hồ sơ sắp đến hạn", "Dossiers due soon")
        }
    }

    var fields: [String] {
        switch self {
        case .late: ["dossier", "procedure", "competent_unit", "received", "due", "hours_overdue", "holder_actor", "holder_unit", "apology", "status"]
        case .dueSoon: ["dossier", "procedure", "competent_unit", "received", "due", "hours_remaining", "holder_actor", "holder_unit", "apology", "status"]
        }
    }

    var caption: String {
        switch self {
        case .late: HTML.both("Quá hạn lâu nhất trước", "Longest overdue first")
        case .dueSoon: HTML.both("Sắp hết hạn nhất trước", "Nearest due first")
        }
    }
}

/// A row that names a dossier and the unit holding it (late and due-soon rows).
protocol ListedDossier: ReportRow {
    var dossier: String { get }
    var holderUnit: String { get }
}

extension LateEntry: ListedDossier {}
extension DueSoonEntry: ListedDossier {
    var dossier: String { entry.dossier }
    var holderUnit: String { entry.holderUnit }
}

extension Pages {
    func list(_ kind: DossierList, _ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let (inspector, filter, parameters) = try await listFilter(request, user)
        switch kind {
        case .late: return listPage(kind, try await inspector.lateList(filter: filter), parameters, request)
        case .dueSoon: return listPage(kind, try await inspector.dueSoonList(filter: filter), parameters, request)
        }
    }

    /// Exactly the rows a list page shows (its sort, its page), as the command line's CSV
    /// (`csv`, field names in English) or a workbook (`xlsx`, headed in Vietnamese).
    func listDownload(_ kind: DossierList, as format: Format, _ request: Request, _ user: User) async throws -> Response {
        let (inspector, filter, _) = try await listFilter(request, user)
        return switch kind {
        case .late: try download(paged(Self.sorted(try await inspector.lateList(filter: filter), request).report, request).report, kind, format)
        case .dueSoon: try download(paged(Self.sorted(try await inspector.dueSoonList(filter: filter), request).report, request).report, kind, format)
        }
    }

    private func download<Row: ReportRow>(_ report: Report<Row>, _ kind: DossierList, _ format: Format) throws -> Response {
        let (type, body) = format == .xlsx
            ? (Workbook.mediaType, ByteBuffer(bytes: try Workbook(renderer: Renderer(format: .xlsx, language: .vi)).data(report)))
            : ("text/csv; charset=utf-8", ByteBuffer(string: Renderer(format: .csv, language: .en).render(report)))
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store",
                                               .contentDisposition: "attachment; filename=\"\(kind.rawValue).\(format.rawValue)\""], body: .init(byteBuffer: body))
    }

    /// The rows in the order asked (`sort`, a field of the list; `order=desc` from the largest),
    /// else as the view orders them; the field and direction, if any.
    static func sorted<Row: ReportRow>(_ report: Report<Row>, _ request: Request) -> (report: Report<Row>, sort: (field: String, descending: Bool)?) {
        let query = request.uri.queryParameters
        guard let field = query["sort"].map(String.init), let index = Row.fields.firstIndex(of: field) else { return (report, nil) }
        let descending = query["order"] == "desc"
        var sorted = report
        let keyed = report.rows.map { ($0.values[index], $0) }
        // Stable: rows that compare equal keep the view's order.
        sorted.rows = keyed.enumerated().sorted { a, b in
            let (x, y) = (a.element.0, b.element.0)
            if HTML.precedes(x, y) { return !descending }
            if HTML.precedes(y, x) { return descending }
            return a.offset < b.offset
        }.map(\.element.1)
        return (sorted, (field, descending))
    }

    /// A table of list rows: each code a link to its case history, each holding unit to its page.
    static func table<Row: ListedDossier>(_ kind: DossierList, _ report: Report<Row>, sorting: HTML.Sorting? = nil) -> String {
        HTML.table(report, fields: kind.fields, caption: kind.caption, sorting: sorting) { field, row in
            switch field {
            case "dossier": "/dashboard/dossiers/\(HTML.percentEncoded(row.dossier))"
            case "holder_unit": "/dashboard/units/\(HTML.percentEncoded(row.holderUnit))"
            default: nil
            }
        }
    }

    private func listPage<Row: ListedDossier>(_ kind: DossierList, _ unsorted: Report<Row>, _ filters: [(String, String?)],
                                              _ request: Request) -> (title: String, html: String) {
        let (full, sort) = Self.sorted(unsorted, request)
        let (report, page, pages) = paged(full, request)
        let path = "/dashboard/\(kind.rawValue)"
        let parameters = filters + [("sort", sort?.field), ("order", sort.map { $0.descending ? "desc" : "asc" })]
        let shown = parameters.compactMap { name, value in value.map { "\(name) \($0)" } }.joined(separator: " · ")
        var out = "<h1>\(kind.title) · \(HTML.escape(shown))</h1>"
        out += "<p class=\"download\"><a href=\"\(path).csv\(HTML.query(parameters + [("page", "\(page)")]))\" download>\(HTML.both("Tải CSV những dòng này", "Download these rows as CSV"))</a>"
        out += " · <a href=\"\(path).xlsx\(HTML.query(parameters + [("page", "\(page)")]))\" download>\(HTML.both("Tải Excel", "Download as Excel"))</a></p>"
        out += Self.table(kind, report, sorting: HTML.Sorting(current: sort) { field, descending in path + HTML.query(filters + [("sort", field), ("order", descending ? "desc" : "asc")]) })
        out += Self.pager(path, parameters, page: page, of: pages, rows: full.rows.count) + HTML.provenance(report.provenance, at: report.reportInstant)
        return ("\(kind.rawValue) \(shown)", out)
    }

    /// The filter a list asks for: its unit (the token's by default; one outside the token's
    /// subtree is "not found"), and an officer or procedure when given.
    private func listFilter(_ request: Request, _ user: User) async throws -> (Inspector, LateFilter, [(String, String?)]) {
        let inspector = try await Inspector.open(service.engine)
        let query = request.uri.queryParameters
        let unit = query["unit"].map(String.init) ?? user.grant.unit
        guard inspector.rules.catalog.units[unit] != nil, user.covers(unit, inspector.rules.catalog) else { throw PageNotFound(what: "unit \(unit)") }
        let (officer, procedure) = (query["officer"].map(String.init), query["procedure"].map(String.init))
        return (inspector, LateFilter(unit: unit, procedure: procedure, officer: officer), [("unit", unit), ("officer", officer), ("procedure", procedure)])
    }

    /// Links to the pages before and after.
    static func pager(_ path: String, _ parameters: [(String, String?)], page: Int, of pages: Int, rows: Int) -> String {
        var out = "<nav aria-label=\"Pages\"><p>" + HTML.both("Trang", "Page") + " \(page)/\(pages) (\(HTML.vi.grouped(rows)))"
        if page > 1 { out += " <a href=\"\(path)\(HTML.query(parameters + [("page", "\(page - 1)")]))\" rel=\"prev\">\(HTML.both("Trước", "Previous"))</a>" }
        if page < pages { out += " <a href=\"\(path)\(HTML.query(parameters + [("page", "\(page + 1)")]))\" rel=\"next\">\(HTML.both("Sau", "Next"))</a>" }
        return out + "</p></nav>"
    }

    /// The page of rows asked for (`page`, from 1), and how many pages there are.
    func paged<Row>(_ report: Report<Row>, _ request: Request) -> (report: Report<Row>, page: Int, pages: Int) {
        let pages = max(1, (report.rows.count + Self.pageSize - 1) / Self.pageSize)
        let page = min(max(1, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1), pages)
        var shown = report
        shown.rows = Array(report.rows.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize))
        return (shown, page, pages)
    }
}
