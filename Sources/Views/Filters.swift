public import DossierDomain

/// A filter or grouping key that names nothing in the catalogs recorded in the log
/// (indicators.md, "Filters name real things"): an empty answer must mean "none", never "not found".
public struct UnknownFilter: PhrasedError, Sendable, Hashable {
    /// `unit`, `procedure` or `officer`.
    public let kind: String
    public let code: String
    /// The nearest known codes, nearest first.
    public let suggestions: [String]

    public var phrase: Phrase {
        let kind = Phrase(stringLiteral: kind)
        return suggestions.isEmpty ? "no \(kind) \(code) in the catalogs recorded in the log"
            : "no \(kind) \(code) in the catalogs recorded in the log; did you mean \(suggestions.joined(separator: ", "))?"
    }
}

extension Catalog {
    /// Refuses a unit or procedure not valid at some time up to `date` (the period's last day, or
    /// the instant's date), and an officer missing from the officer catalog when one is loaded.
    /// - Throws: ``UnknownFilter`` with the nearest known codes.
    public func checkFilters(unit: String?, procedure: String?, officer: String?, upTo date: LocalDate) throws(UnknownFilter) {
        if let unit, !(units[unit]?.contains { $0.validity.from <= date } ?? false) {
            throw UnknownFilter(kind: "unit", code: unit, suggestions: nearest(unit, among: units.keys))
        }
        if let procedure, !(procedures[procedure]?.contains { $0.validity.from <= date } ?? false) {
            throw UnknownFilter(kind: "procedure", code: procedure, suggestions: nearest(procedure, among: procedures.keys))
        }
        if let officer, !officers.isEmpty, officers[officer] == nil {
            throw UnknownFilter(kind: "officer", code: officer, suggestions: nearest(officer, among: officers.keys))
        }
    }
}

/// Up to three codes nearest to `code` (edit distance, ignoring case), only those close enough
/// to be a typo of it.
public func nearest(_ code: String, among codes: some Collection<String>) -> [String] {
    let wanted = Array(code.lowercased().unicodeScalars)
    let scored = codes.map { candidate in (candidate, distance(wanted, Array(candidate.lowercased().unicodeScalars))) }
    let limit = max(2, wanted.count / 2)
    return scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
}

/// Levenshtein distance.
private func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    guard !a.isEmpty else { return b.count }
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}
