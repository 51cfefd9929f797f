import DossierDomain
import DossierLog
import Foundation
import Hummingbird
import HummingbirdCore
import ReportFormats
import Views

/// `GET /v1/reports/{view}`: every periodic and list view of the command line, with its options
/// as query parameters (snake_case: `as_of`, `roll_up`, `cut_off_15th`, …), answering exactly
/// the JSON of its `--format json`. An inspector sees only its unit's subtree: a view with a unit
/// filter gets the token's unit (another unit is 403), a view whose rows are units keeps the rows
/// of the subtree, and a view whose rows cannot be told apart by unit (by procedure, channel,
/// officer where rows carry no unit) is the auditor's.
extension LedgerService {
    func report(_ request: Request, _ context: LedgerContext) async throws -> Response {
        let grant = try context.require([.inspector, .auditor])
        let view = try context.parameters.require("view")
        let query = Query(request.uri)
        try query.checkAll()
        let inspector = try await Inspector.open(engine)
        let scope = grant.role == .inspector ? grant : nil
        let today = TimeGuard.wallClock().localDate
        /// The unit a view is asked for: within the inspector's subtree, its unit when none is asked.
        func unit() throws -> String? {
            guard let scope else { return query["unit"] }
            guard let asked = query["unit"] else { return scope.unit }
            guard scope.covers(unit: asked, catalog: inspector.rules.catalog, on: today) else {
                throw Problem(.forbidden, "unit \(asked) is not \(scope.unit) or under it")
            }
            return asked
        }
        /// The rows of the inspector's subtree, by the row's `field` (a unit code).
        func rows<Row>(_ report: Report<Row>, _ field: String) -> Report<Row> {
            guard let scope, let index = Row.fields.firstIndex(of: field) else { return report }
            var scoped = report
            scoped.rows = report.rows.filter { row in
                guard case .text(let code) = row.values[index] else { return false }
                return scope.covers(unit: code, catalog: inspector.rules.catalog, on: today)
            }
            if scoped.rows.count != report.rows.count { scoped.summary = nil }  // it spoke of every unit
            return scoped
        }
        func auditorsOnly(_ what: String) throws {
            if scope != nil { throw Problem(.forbidden, "\(what) spans every unit: an auditor's view") }
        }
        let answer = try Answer(request, query, view: view)
        switch view {
        case "late", "due-soon":
            let filter = LateFilter(unit: try unit(), procedure: query["procedure"], officer: query["officer"], includeFinished: try query.flag("include_finished"))
            if view == "late" {
                return try answer(try await inspector.lateList(asOf: try query.instant("as_of"), filter: filter).first(try query.count("top")))
            } else {
                return try answer(try await inspector.dueSoonList(asOf: try query.instant("as_of"), within: try query.hours("within"), filter: filter)
                    .first(try query.count("top")))
            }
        case "rates":
            let by = try query.choice("by", default: Grouping.competentUnit)
            if by != Grouping.competentUnit && by != Grouping.receivingUnit { try auditorsOnly("rates by \(by.rawValue)") }
            return try answer(rows(try await inspector.onTimeRates(period: try query.period(), by: by, rollUp: try query.choice("roll_up", default: RollUp.tree)), "group"))
        case "online":
            return try answer(rows(try await inspector.onlineRates(period: try query.period(), rollUp: try query.choice("roll_up", default: RollUp.tree)), "group"))
        case "periodic":
            return try answer(try await inspector.periodicReport(period: try query.period(), unit: try unit()))
        case "accountability":
            let by = try query.choice("by", default: Attribution.officer)
            return try answer(try await inspector.accountability(period: try query.period(), by: by, unit: try unit(), rewards: try query.flag("rewards"))
                .first(try query.count("top")))
        case "satisfaction":
            return try answer(rows(try await inspector.satisfaction(period: try query.period()), "group"))
        case "home-support":
            let by = try query.choice("by", default: Attribution.unit)
            if by == .officer { try auditorsOnly("home support by officer") }
            return try answer(rows(try await inspector.homeSupport(period: try query.period(), by: by), "group"))
        case "scorecard":
            guard !targets.isEmpty else { throw Problem(.notFound, "this service has no targets (start it with --targets FILE)") }
            return try answer(rows(try await inspector.scorecard(period: try query.period(), targets: targets), "unit"))
        default:
            throw Problem(.notFound, "no view \(view); the views: late, due-soon, rates, online, periodic, accountability, satisfaction, home-support, scorecard")
        }
    }
}

/// A view's answer in the format asked for: `format` (json, csv, xlsx) in the query, else the
/// `Accept` header (`application/json`, `text/csv`, the workbook's type), JSON when neither says;
/// `lang` (en, vi) for a workbook's headers and a CSV's notes. Anything else is 406.
struct Answer {
    static let workbookType = Workbook.mediaType
    let renderer: Renderer
    /// The view's name, for a download's file name.
    let view: String

    init(_ request: Request, _ query: Query, view: String) throws {
        self.view = view
        let format: Format
        if let asked = query["format"] {
            guard let chosen = Format(rawValue: asked), chosen != .table else { throw Problem(.badRequest, "format is one of json, csv, xlsx") }
            format = chosen
        } else {
            format = try Answer.format(accepting: request.headers[.accept] ?? "*/*")
        }
        renderer = Renderer(format: format, language: try query.choice("lang", default: Language.en))
    }

    /// The first of the `Accept` header's types that a view can be written as.
    static func format(accepting header: String) throws -> Format {
        for type in header.split(separator: ",").map({ $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch type {
            case "application/json", "application/*", "*/*": return .json
            case "text/csv", "text/*": return .csv
            case workbookType: return .xlsx
            default: continue
            }
        }
        throw Problem(.notAcceptable, "a view is written as application/json, text/csv or \(workbookType); Accept asks for \(header)")
    }

    func callAsFunction<Row: ReportRow>(_ report: Report<Row>) throws -> Response {
        let (type, body): (String, ByteBuffer) = switch renderer.format {
        case .csv: ("text/csv; charset=utf-8", ByteBuffer(string: renderer.render(report)))
        case .xlsx: (Answer.workbookType, ByteBuffer(bytes: try Workbook(renderer: renderer).data(report)))
        case .json, .table: ("application/json", ByteBuffer(string: renderer.render(report)))
        }
        var headers: HTTPFields = [.contentType: type]
        if renderer.format == .xlsx || renderer.format == .csv {
            headers[.contentDisposition] = "attachment; filename=\"\(view).\(renderer.format.rawValue)\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}

/// A request's query parameters, each checked: a bad one is a 400 naming it.
struct Query {
    /// The first value of each parameter.
    let parameters: [String: String]

    init(_ uri: URI) {
        parameters = uri.queryParameters.reduce(into: [:]) { parameters, item in
            if parameters[String(item.key)] == nil { parameters[String(item.key)] = String(item.value) }
        }
    }

    subscript(_ name: String) -> String? { parameters[name] }

    func instant(_ name: String) throws -> Instant? {
        guard let text = self[name] else { return nil }
        do { return try Instant(rfc3339: text) } catch { throw Problem(.badRequest, "\(name) \(text): \(error)") }
    }

    func count(_ name: String) throws -> Int? {
        guard let text = self[name] else { return nil }
        guard let n = Int(text), n > 0 else { throw Problem(.badRequest, "\(name) is a whole number above 0") }
        return n
    }

    func hours(_ name: String) throws -> Double? {
        guard let text = self[name] else { return nil }
        guard let h = Double(text), h > 0, h <= 1_000 else { throw Problem(.badRequest, "\(name) is a number of working hours above 0") }
        return h
    }

    func flag(_ name: String) throws -> Bool {
        switch self[name] {
        case nil, "false": return false
        case "true": return true
        case let text?: throw Problem(.badRequest, "\(name) is true or false, not \(text)")
        }
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, default value: Choice) throws -> Choice where Choice.RawValue == String {
        guard let text = self[name] else { return value }
        guard let chosen = Choice(rawValue: text) else {
            throw Problem(.badRequest, "\(name) is one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return chosen
    }

    /// Checks every parameter a view may take, whichever view is asked: one that a view ignores is
    /// still refused when it is malformed.
    func checkAll() throws {
        _ = try instant("as_of")
        _ = try count("top")
        _ = try hours("within")
        for name in ["include_finished", "rewards", "cut_off_15th"] { _ = try flag(name) }
        if let by = self["by"], Grouping(rawValue: by) == nil && Attribution(rawValue: by) == nil {
            throw Problem(.badRequest, "by is one of unit, receiving-unit, procedure, channel, officer")
        }
        _ = try choice("roll_up", default: RollUp.tree)
        _ = try choice("lang", default: Language.en)
        if self["period"] != nil { _ = try period() }
    }

    /// `period` (a month, quarter, year or date range), with `cut_off_15th`.
    func period() throws -> Period {
        guard let text = self["period"] else { throw Problem(.badRequest, "period is required: 2025-07, 2025-Q3, 2025 or 2025-07-01..2025-09-30") }
        let period: Period
        do { period = try Period.parse(text, cutOff15th: try flag("cut_off_15th")) } catch { throw Problem(.badRequest, "period \(text): \(error)") }
        guard period.start <= TimeGuard.wallClock() else { throw Problem(.badRequest, "period \(text) has not begun") }
        return period
    }
}
