import Dispatch
public import DossierDomain
import Glibc
public import Projections

/// One cell of a report, typed so that each output (table, JSON, CSV, Vietnamese) formats it
/// its own way.
public enum Value: Sendable, Hashable {
    case text(String)
    case integer(Int)
    /// Working hours, shown with up to 2 decimals.
    case hours(Double)
    /// A percentage with 2 decimals, or nil (null) for an empty population.
    case percent(Double?)
    /// A number of points (the 766 score), 2 decimals, or nil.
    case points(Double?)
    case instant(Instant?)
    case flag(Bool)
    /// A hash in hex: a prefix in tables, whole in JSON and CSV.
    case digest(String)
    case codes([String])
    case null
}

/// A row of a report: named fields (the JSON names of indicators.md, snake_case) in a stable order.
public protocol ReportRow: Sendable {
    static var fields: [String] { get }
    var values: [Value] { get }
}

/// A view's answer: rows, and what they were computed from.
public struct Report<Row: ReportRow>: Sendable {
    public let title: String
    public let provenance: Provenance
    /// The instant the view was judged at (its `--as-of`, else the latest `at` in the log).
    public let reportInstant: Instant?
    public var rows: [Row]
    /// A one-line summary shown under the table (the scorecard's "5/6 met"), if any.
    public var summary: Phrase?
    /// The period of a periodic report (JSON gives its label, start and end).
    public var period: Period?
    /// Dossiers the view met but could not judge: their dues reach a year whose calendar is not
    /// loaded (every December, before the next year's notice). Never silently left out.
    public var unjudged: [Unjudged] = []
    /// Named values about the report as a whole (a case history's state at its instant), for
    /// machines: JSON gives them under `details`.
    public var details: [(name: String, value: Value)] = []

    public init(title: String, provenance: Provenance, reportInstant: Instant?, rows: [Row], summary: Phrase? = nil) {
        self.title = title
        self.provenance = provenance
        self.reportInstant = reportInstant
        self.rows = rows
        self.summary = summary
    }
}

/// Percentages of indicators.md: `part / whole` in percent with 2 decimals, rounded half up;
/// nil for an empty whole.
public func percentage(_ part: Int, of whole: Int) -> Double? {
    guard whole > 0 else { return nil }
    // Basis points rounded half up in integers, so 98.805 gives 98.81 exactly.
    let basisPoints = (part * 20_000 + whole) / (2 * whole)
    return Double(basisPoints) / 100
}

/// Rounds to 2 decimals, half up.
public func rounded2(_ value: Double) -> Double {
    (value * 100 + 0.5 + 1e-9).rounded(.down) / 100
}

/// A dossier a view could not judge, and the calendar year to load first.
public struct Unjudged: Sendable, Hashable {
    public let dossier: String
    public let year: Int

    public init(dossier: String, year: Int) {
        self.dossier = dossier
        self.year = year
    }

    /// Once each, by year then dossier.
    static func ordered(_ items: some Sequence<Unjudged>) -> [Unjudged] {
        Set(items).sorted { ($0.year, $0.dossier) < ($1.year, $1.dossier) }
    }
}

/// Collects the dossiers a view cannot judge for want of a calendar year.
struct UnjudgedDossiers {
    private(set) var found: Set<Unjudged> = []

    /// Runs `judge`; a missing calendar year makes the dossier unjudged (nil) instead of failing the view.
    mutating func judge<T>(_ state: DossierState, _ judge: () throws(CalendarError) -> T?) throws -> T? {
        if let year = state.missingCalendarYear {
            found.insert(Unjudged(dossier: state.dossier, year: year))
            return nil
        }
        do {
            return try judge()
        } catch .yearNotLoaded(let year) {
            found.insert(Unjudged(dossier: state.dossier, year: year))
            return nil
        }
    }

    var sorted: [Unjudged] { Unjudged.ordered(found) }

    /// `judge` of every state in order, on every core (dossiers are judged independently); nil
    /// for those that cannot be judged for want of a calendar year, which are collected.
    /// - Throws: any other error of a judgement (the first one met).
    mutating func judgeAll<T: Sendable>(_ states: [DossierState], _ judge: @escaping @Sendable (DossierState) throws(CalendarError) -> T?) throws -> [T?] {
        let parts = states.count < 512 ? 1 : Self.parallelism
        var results = [Result<T?, any Error>?](repeating: nil, count: states.count)
        var collected = [UnjudgedDossiers](repeating: UnjudgedDossiers(), count: parts)
        results.withUnsafeMutableBufferPointer { results in
            collected.withUnsafeMutableBufferPointer { collected in
                let shared = Shared(results: results, collected: collected)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for index in stride(from: part, to: states.count, by: parts) {
                        shared.results[index] = Result { try shared.collected[part].judge(states[index]) { () throws(CalendarError) in try judge(states[index]) } }
                    }
                }
            }
        }
        for part in collected { found.formUnion(part.found) }
        return try results.map { try $0!.get() }
    }

    /// The machine's online cores (at most 16).
    private static let parallelism = max(1, min(16, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Each thread writes only its own elements.
    private struct Shared<T>: @unchecked Sendable {
        let results: UnsafeMutableBufferPointer<Result<T?, any Error>?>
        let collected: UnsafeMutableBufferPointer<UnjudgedDossiers>
    }
}

extension Report {
    /// The report with its first `top` rows only (all of them when nil).
    public func first(_ top: Int?) -> Report {
        guard let top else { return self }
        var limited = self
        limited.rows = Array(rows.prefix(max(0, top)))
        return limited
    }
}
