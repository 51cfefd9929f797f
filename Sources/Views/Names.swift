import DossierDomain

/// What a row is keyed by, for its `name` (indicators.md: "every row keyed by a unit, procedure
/// or officer also carries `name`").
enum NamedKind: Sendable {
    case unit, procedure, officer
}

extension Catalog {
    /// The name of a unit, procedure or officer as the catalog version in force on `date` gives
    /// it; for a code not in force then, its latest version before `date` (else its first).
    func name(of kind: NamedKind, _ code: String, on date: LocalDate) -> String? {
        switch kind {
        case .officer:
            return officers[code]?.name
        case .unit:
            return Self.inForce(units[code] ?? [], on: date, validity: \.validity)?.name
        case .procedure:
            return Self.inForce(procedures[code] ?? [], on: date, validity: \.validity)?.name
        }
    }

    private static func inForce<V>(_ versions: [V], on date: LocalDate, validity: (V) -> Validity) -> V? {
        versions.first { validity($0).contains(date) }
            ?? versions.filter { validity($0).from <= date }.max { validity($0).from < validity($1).from }
            ?? versions.first
    }
}

/// Where a unit row sits in the tree its report rolls up through: its level and parent, so that a
/// script can sum the leaves only (the total row and other groupings have none).
public struct TreePlace: Sendable, Hashable {
    public var level: String?
    public var parent: String?

    public init(level: String? = nil, parent: String? = nil) {
        self.level = level
        self.parent = parent
    }

    /// The row fields `level` and `parent`.
    var values: [Value] { [level.map(Value.text) ?? .null, parent.map(Value.text) ?? .null] }
}

extension Inspector {
    /// The place of unit `code` in the tree of `date` (its latest version before it when it had ended).
    func treePlace(of code: String, on date: LocalDate) -> TreePlace {
        let versions = rules.catalog.units[code] ?? []
        guard let unit = versions.first(where: { $0.validity.contains(date) }) ?? versions.last(where: { $0.validity.from <= date }) ?? versions.first else {
            return TreePlace()
        }
        return TreePlace(level: unit.level.rawValue, parent: unit.parent)
    }
}
