/// A validity period of local dates, `to` inclusive (open-ended when nil).
public struct Validity: Sendable, Hashable {
    public var from: LocalDate
    public var to: LocalDate?

    public init(from: LocalDate, to: LocalDate? = nil) {
        self.from = from
        self.to = to
    }

    public func contains(_ date: LocalDate) -> Bool { date >= from && (to.map { date <= $0 } ?? true) }

    func overlaps(_ other: Validity) -> Bool {
        let endA = to?.daysSinceEpoch ?? .max, endB = other.to?.daysSinceEpoch ?? .max
        return from.daysSinceEpoch <= endB && other.from.daysSinceEpoch <= endA
    }
}

/// A procedure (thủ tục hành chính) and its legal limit, for one validity period.
public struct Procedure: Sendable, Hashable {
    public var code: String
    public var name: String
    public var limit: Limit
    public var validity: Validity

    public init(code: String, name: String, limit: Limit, validity: Validity) {
        self.code = code
        self.name = name
        self.limit = limit
        self.validity = validity
    }
}

public enum UnitLevel: String, Sendable, Hashable, CaseIterable { case province, district, commune, department, desk }

/// A unit (đơn vị), valid for a period, with its place in the tree and its office hours.
public struct Unit: Sendable, Hashable {
    public var code: String
    public var name: String
    public var level: UnitLevel
    public var parent: String?
    public var validity: Validity
    /// The unit that took over when this one ended (the 2025 reorganisation).
    public var successor: String?
    public var officeHours: OfficeHours?

    public init(code: String, name: String, level: UnitLevel, parent: String? = nil, validity: Validity,
                successor: String? = nil, officeHours: OfficeHours? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.validity = validity
        self.successor = successor
        self.officeHours = officeHours
    }
}

public struct Officer: Sendable, Hashable {
    public var id: String
    public var name: String
    public var unit: String

    public init(id: String, name: String, unit: String) {
        self.id = id
        self.name = name
        self.unit = unit
    }
}

/// The procedure, unit and officer catalogs, versioned by validity dates.
public struct Catalog: Sendable, Hashable {
    public private(set) var procedures: [String: [Procedure]] = [:]
    public private(set) var units: [String: [Unit]] = [:]
    public private(set) var officers: [String: Officer] = [:]

    public init() {}

    /// Adds a procedure version. Replaces an identical one (re-import is idempotent).
    /// - Throws: ``CatalogError`` when it overlaps another version of the same code.
    public mutating func add(_ procedure: Procedure) throws(CatalogError) {
        var versions = procedures[procedure.code, default: []]
        if versions.contains(procedure) { return }
        if let clash = versions.first(where: { $0.validity.overlaps(procedure.validity) }) {
            throw CatalogError("procedure \(procedure.code): validity from \(procedure.validity.from) overlaps the version from \(clash.validity.from)")
        }
        versions.append(procedure)
        versions.sort { $0.validity.from < $1.validity.from }
        procedures[procedure.code] = versions
    }

    /// Adds a unit version; see ``add(_:)-procedure``.
    public mutating func add(_ unit: Unit) throws(CatalogError) {
        var versions = units[unit.code, default: []]
        if versions.contains(unit) { return }
        if let clash = versions.first(where: { $0.validity.overlaps(unit.validity) }) {
            throw CatalogError("unit \(unit.code): validity from \(unit.validity.from) overlaps the version from \(clash.validity.from)")
        }
        versions.append(unit)
        versions.sort { $0.validity.from < $1.validity.from }
        units[unit.code] = versions
    }

    public mutating func add(_ officer: Officer) { officers[officer.id] = officer }

    public var hasUnits: Bool { !units.isEmpty }
    public var hasProcedures: Bool { !procedures.isEmpty }

    /// The procedure version in force on `date`.
    public func procedure(_ code: String, on date: LocalDate) -> Procedure? {
        procedures[code]?.first { $0.validity.contains(date) }
    }

    /// The unit version valid on `date`.
    public func unit(_ code: String, on date: LocalDate) -> Unit? {
        units[code]?.first { $0.validity.contains(date) }
    }

    /// The latest version of a unit, whatever its dates (for office hours of a unit that ended).
    public func latestUnit(_ code: String) -> Unit? { units[code]?.last }

    /// The unit and its ancestors as of `date`, nearest first.
    public func lineage(of code: String, on date: LocalDate) -> [String] {
        var chain: [String] = []
        var current: String? = code
        while let c = current, !chain.contains(c) {
            chain.append(c)
            current = unit(c, on: date)?.parent ?? latestUnit(c)?.parent
        }
        return chain
    }

    /// Today's successors of a unit that ended (following successors until a unit valid on `date`).
    public func successor(of code: String, on date: LocalDate) -> String {
        var current = code
        var seen: Set<String> = []
        while unit(current, on: date) == nil, let next = latestUnit(current)?.successor, seen.insert(current).inserted {
            current = next
        }
        return current
    }
}

public struct CatalogError: PhrasedError, Sendable, Hashable {
    public let phrase: Phrase
    public init(_ phrase: Phrase) { self.phrase = phrase }
}

/// The catalogs and the calendar: everything besides the events that dues depend on.
public struct DomainRules: Sendable {
    public var catalog: Catalog
    public var calendar: WorkingCalendar

    public init(catalog: Catalog = Catalog(), calendar: WorkingCalendar = .vietnam) {
        self.catalog = catalog
        self.calendar = calendar
    }

    /// The working schedule of `unit`: its office hours from the unit catalog (standard when it
    /// sets none) and its own closed days.
    public func schedule(for unit: String) -> WorkSchedule {
        WorkSchedule(calendar: calendar, hours: catalog.latestUnit(unit)?.officeHours ?? .standard, unit: unit)
    }
}
