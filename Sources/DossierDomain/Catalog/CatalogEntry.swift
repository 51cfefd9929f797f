public import Foundation

/// One entry of the catalogs or the calendar, as recorded in the log's system stream so that a
/// replay years later uses what was in force (events.md, "Catalogs").
public enum CatalogEntry: Sendable, Hashable {
    case procedure(Procedure)
    case unit(Unit)
    case officer(Officer)
    case calendarYear(CalendarYear)
    /// Days on which one unit is closed although the calendar works.
    case closedDays(unit: String, dates: [LocalDate])
    /// A token of the service granted, and one revoked (in ``accessStream``).
    case accessGranted(AccessGrant)
    case accessRevoked(token: String)

    /// The name of the log's stream that holds catalog entries. It has a space, which no
    /// dossier code may have, so it can never be a dossier.
    public static let stream = "system catalog"

    public enum Kind: String, Sendable, CaseIterable {
        case procedure, unit, officer
        case calendarYear = "calendar_year"
        case closedDays = "closed_days"
        case accessGranted = "access_granted"
        case accessRevoked = "access_revoked"

        /// The kind of a stored type name such as `catalog.procedure.v1` or `access.granted.v1`.
        public init?(wireName: String) {
            guard let kind = Kind.allCases.first(where: { $0.wireName == wireName }) else { return nil }
            self = kind
        }

        /// The stored type's wire name.
        public var wireName: String {
            switch self {
            case .accessGranted: "access.granted.v1"
            case .accessRevoked: "access.revoked.v1"
            default: "catalog.\(rawValue).v1"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .procedure: .procedure
        case .unit: .unit
        case .officer: .officer
        case .calendarYear: .calendarYear
        case .closedDays: .closedDays
        case .accessGranted: .accessGranted
        case .accessRevoked: .accessRevoked
        }
    }

    /// The stored type's wire name, e.g. `catalog.procedure.v1`.
    public var wireName: String { kind.wireName }

    /// A stable id: importing the same entry again is an idempotent repeat, and changing an entry
    /// already recorded is refused (add a new version with a new `valid_from` instead).
    public var id: String {
        func clean(_ s: String) -> String { String(s.unicodeScalars.map { DossierEvent.isIDByte(UInt8(truncatingIfNeeded: $0.value)) && $0.isASCII ? Character($0) : "_" }) }
        switch self {
        case .procedure(let p): return "catalog:procedure:\(clean(p.code)):\(p.validity.from)"
        case .unit(let u): return "catalog:unit:\(clean(u.code)):\(u.validity.from)"
        case .officer(let o): return "catalog:officer:\(clean(o.id))"
        case .calendarYear(let y): return "catalog:calendar:\(y.year)"
        case .closedDays(let unit, let dates): return "catalog:closed:\(clean(unit)):\(dates.map(\.description).joined(separator: ","))".prefix(64).description
        case .accessGranted(let grant): return "access:granted:\(grant.token)"
        case .accessRevoked(let token): return "access:revoked:\(token)"
        }
    }

    /// Adds the entry to the rules.
    public func apply(to rules: inout DomainRules) throws(CatalogError) {
        switch self {
        case .procedure(let p): try rules.catalog.add(p)
        case .unit(let u): try rules.catalog.add(u)
        case .officer(let o): rules.catalog.add(o)
        case .calendarYear(let y): rules.calendar.add(y)
        case .closedDays(let unit, let dates): rules.calendar.addClosedDays(dates, unit: unit)
        case .accessGranted, .accessRevoked: break  // the service's, not the rules'
        }
    }

    // MARK: JSON

    /// The entry as a JSON object (keys sorted), the form stored in the log and exported.
    public var json: String {
        let object: [String: Any]
        switch self {
        case .procedure(let p):
            var limit: [String: Any] = [:]
            switch p.limit {
            case .workingDays(let n): limit = ["unit": "working_days", "value": n]
            case .calendarDays(let n): limit = ["unit": "calendar_days", "value": n]
            case .hours(let h): limit = ["unit": "hours", "value": h]
            case .sameDay: limit = ["unit": "same_day"]
            }
            object = ["code": p.code, "name": p.name, "limit": limit].merging(Self.validityJSON(p.validity)) { a, _ in a }
        case .unit(let u):
            var o: [String: Any] = ["code": u.code, "name": u.name, "level": u.level.rawValue]
            if let parent = u.parent { o["parent"] = parent }
            if let successor = u.successor { o["successor"] = successor }
            if let hours = u.officeHours {
                o["office_hours"] = hours.intervals.map { [hours.clock($0.lowerBound), hours.clock($0.upperBound)] }
            }
            object = o.merging(Self.validityJSON(u.validity)) { a, _ in a }
        case .officer(let o):
            object = ["id": o.id, "name": o.name, "unit": o.unit]
        case .calendarYear(let y):
            object = ["year": y.year, "notice": y.notice, "days_off": y.daysOff.map(\.description),
                      "saturdays_worked": y.saturdaysWorked.map(\.description)]
        case .closedDays(let unit, let dates):
            object = ["unit": unit, "closed": dates.map(\.description)]
        case .accessGranted, .accessRevoked:
            object = accessJSON ?? [:]
        }
        // Sorted keys make the text canonical: the same entry always gives the same bytes.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            preconditionFailure("a catalog entry always serialises")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func validityJSON(_ v: Validity) -> [String: Any] {
        var o: [String: Any] = ["valid_from": v.from.description]
        if let to = v.to { o["valid_to"] = to.description }
        return o
    }

    /// Parses a catalog file: a JSON array of objects of one kind.
    /// - Throws: ``CatalogError`` naming the entry (by position) and the field.
    public static func parseFile(_ data: Data, kind: Kind) throws(CatalogError) -> [CatalogEntry] {
        let array: [Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [Any] else { throw CatalogError("a catalog file is a JSON array of objects") }
            array = parsed
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError("the catalog file is not valid JSON: \(error.localizedDescription)")
        }
        var entries: [CatalogEntry] = []
        for (index, element) in array.enumerated() {
            guard let object = element as? [String: Any] else { throw CatalogError("entry \(index + 1): not a JSON object") }
            do { entries.append(try parse(object, kind: kind)) } catch { throw CatalogError("entry \(index + 1): \(error.description)") }
        }
        return entries
    }

    /// Parses one entry from its JSON text (the stored or exported form).
    public static func parse(json: String, kind: Kind) throws(CatalogError) -> CatalogEntry {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw CatalogError("catalog entry is not a JSON object")
        }
        return try parse(object, kind: kind)
    }

    static func parse(_ o: [String: Any], kind: Kind) throws(CatalogError) -> CatalogEntry {
        func string(_ key: String) throws(CatalogError) -> String {
            guard let value = o[key] as? String, !value.isEmpty else { throw CatalogError("field `\(key)` is required (a string)") }
            return value
        }
        func optionalString(_ key: String) throws(CatalogError) -> String? {
            guard let value = o[key] else { return nil }
            guard let text = value as? String else { throw CatalogError("field `\(key)` must be a string") }
            return text
        }
        func date(_ key: String, required: Bool) throws(CatalogError) -> LocalDate? {
            guard let text = required ? try string(key) : try optionalString(key) else { return nil }
            guard let parsed = LocalDate(parsing: text) else { throw CatalogError("field `\(key)`: \"\(text)\" is not a date YYYY-MM-DD") }
            return parsed
        }
        func validity() throws(CatalogError) -> Validity {
            let from = try date("valid_from", required: true) ?? LocalDate(daysSinceEpoch: 0)
            let to = try date("valid_to", required: false)
            if let to, to < from { throw CatalogError("field `valid_to` is before `valid_from`") }
            return Validity(from: from, to: to)
        }
        func dates(_ key: String) throws(CatalogError) -> [LocalDate] {
            guard let list = o[key] as? [String] else {
                if o[key] == nil { return [] }
                throw CatalogError("field `\(key)` must be a list of dates")
            }
            var result: [LocalDate] = []
            for text in list {
                guard let d = LocalDate(parsing: text) else { throw CatalogError("field `\(key)`: \"\(text)\" is not a date YYYY-MM-DD") }
                result.append(d)
            }
            return result
        }
        func check(_ allowed: Set<String>) throws(CatalogError) {
            if let unknown = o.keys.filter({ !allowed.contains($0) }).sorted().first {
                throw CatalogError("field `\(unknown)` is not part of a \(kind.rawValue) entry")
            }
        }
        switch kind {
        case .procedure:
            try check(["code", "name", "limit", "valid_from", "valid_to"])
            guard let limit = o["limit"] as? [String: Any], let unit = limit["unit"] as? String else {
                throw CatalogError("field `limit` is required: {\"value\": 3, \"unit\": \"working_days\"}")
            }
            let value = limit["value"] as? NSNumber
            let parsed: Limit
            switch unit {
            case "working_days", "calendar_days":
                guard let value, value.doubleValue == value.doubleValue.rounded(), value.intValue > 0 else {
                    throw CatalogError("field `limit`: \(unit) needs a whole `value` greater than 0")
                }
                parsed = unit == "working_days" ? .workingDays(value.intValue) : .calendarDays(value.intValue)
            case "hours":
                guard let value, value.doubleValue > 0 else { throw CatalogError("field `limit`: hours needs a `value` greater than 0") }
                parsed = .hours(value.doubleValue)
            case "same_day":
                guard value == nil else { throw CatalogError("field `limit`: same_day takes no `value`") }
                parsed = .sameDay
            default:
                throw CatalogError("field `limit`: unit must be one of working_days, calendar_days, hours, same_day")
            }
            return .procedure(Procedure(code: try string("code"), name: try string("name"), limit: parsed, validity: try validity()))
        case .unit:
            try check(["code", "name", "level", "parent", "valid_from", "valid_to", "successor", "office_hours"])
            guard let level = UnitLevel(rawValue: try string("level")) else {
                throw CatalogError("field `level` must be one of \(UnitLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var hours: OfficeHours?
            if let pairs = o["office_hours"] {
                guard let list = pairs as? [[String]] else { throw CatalogError("field `office_hours` is a list like [[\"07:00\",\"11:30\"],[\"13:30\",\"17:00\"]]") }
                do { hours = try OfficeHours(pairs: list) } catch { throw CatalogError("field `office_hours`: \(error.description)") }
            }
            return .unit(Unit(code: try string("code"), name: try string("name"), level: level, parent: try optionalString("parent"),
                              validity: try validity(), successor: try optionalString("successor"), officeHours: hours))
        case .officer:
            try check(["id", "name", "unit"])
            return .officer(Officer(id: try string("id"), name: try string("name"), unit: try string("unit")))
        case .calendarYear:
            try check(["year", "notice", "days_off", "saturdays_worked"])
            guard let year = (o["year"] as? NSNumber)?.intValue, (1900...2999).contains(year) else { throw CatalogError("field `year` is required (a year)") }
            do {
                return .calendarYear(try CalendarYear(year: year, notice: try string("notice"), daysOff: try dates("days_off"),
                                                      saturdaysWorked: try dates("saturdays_worked")))
            } catch let error as CalendarError {
                throw CatalogError(error.phrase)
            } catch let error as CatalogError {
                throw error
            } catch {
                throw CatalogError("\(error)")
            }
        case .closedDays:
            try check(["unit", "closed"])
            return .closedDays(unit: try string("unit"), dates: try dates("closed"))
        case .accessGranted, .accessRevoked:
            try check(kind == .accessGranted ? ["token", "name", "role", "unit", "expires", "secret_sha256"] : ["token"])
            return try parseAccess(o, kind: kind, string: string, optionalString: optionalString)
        }
    }
}
