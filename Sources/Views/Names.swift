public import DossierDomain

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
