public import DossierDomain
public import Foundation

/// A target an operator sets (indicators.md, "Targets scorecard"), read from a JSON array:
///
/// ```json
/// [{"name": "On-time rate", "indicator": "on_time_rate", "unit": "H19", "comparison": ">=", "threshold": 98},
///  {"name": "No complaints", "indicator": "complaints", "comparison": "<=", "threshold": 0}]
/// ```
///
/// `unit` is optional (the total row when absent). Indicators: see ``Indicator``.
public struct Target: Sendable, Hashable {
    public enum Indicator: String, Sendable, Hashable, CaseIterable {
        case onTimeRate = "on_time_rate"
        case score766 = "score_766"
        case onlineRate = "online_rate"
        case complaints
        case satisfaction54 = "score_5_4"
        case lateWithoutApology = "late_without_apology"
        case deadlinesMissed = "deadlines_missed"
    }

    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case atLeast = ">="
        case atMost = "<="
    }

    public var name: String
    public var indicator: Indicator
    public var unit: String?
    public var comparison: Comparison
    public var threshold: Double

    public init(name: String, indicator: Indicator, unit: String? = nil, comparison: Comparison, threshold: Double) {
        self.name = name
        self.indicator = indicator
        self.unit = unit
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Parses a targets file.
    /// - Throws: ``TargetError`` naming the entry, the field and the accepted values.
    public static func parse(json data: Data) throws(TargetError) -> [Target] {
        guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TargetError("the targets file must be a JSON array of objects")
        }
        var targets: [Target] = []
        for (index, object) in array.enumerated() {
            let entry = "target \(index + 1)"
            guard let name = object["name"] as? String else { throw TargetError("\(entry): `name` (a string) is required") }
            guard let indicator = (object["indicator"] as? String).flatMap(Indicator.init(rawValue:)) else {
                throw TargetError("\(entry) (\(name)): `indicator` must be one of \(Indicator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let comparison = (object["comparison"] as? String).flatMap(Comparison.init(rawValue:)) else {
                throw TargetError("\(entry) (\(name)): `comparison` must be \">=\" or \"<=\"")
            }
            guard let threshold = object["threshold"] as? Double else { throw TargetError("\(entry) (\(name)): `threshold` (a number) is required") }
            if let unit = object["unit"], !(unit is String) { throw TargetError("\(entry) (\(name)): `unit` must be a unit code") }
            let unknown = Set(object.keys).subtracting(["name", "indicator", "unit", "comparison", "threshold"])
            if let field = unknown.sorted().first { throw TargetError("\(entry) (\(name)): unknown field `\(field)`") }
            targets.append(Target(name: name, indicator: indicator, unit: object["unit"] as? String, comparison: comparison, threshold: threshold))
        }
        return targets
    }
}

public struct TargetError: PhrasedError, Sendable, Hashable {
    public let phrase: Phrase
    init(_ phrase: Phrase) { self.phrase = phrase }
}

/// One target on the scorecard.
public struct ScoreRow: ReportRow, Hashable {
    public var target: Target
    /// The achieved value; nil when there is nothing to measure (an empty population).
    public var value: Double?

    public var met: Bool {
        guard let value else { return false }
        return target.comparison == .atLeast ? value >= target.threshold : value <= target.threshold
    }

    /// How much of the target is achieved, in percent (100 when met).
    public var achieved: Double {
        guard let value else { return 0 }
        if met { return 100 }
        switch target.comparison {
        case .atLeast: return target.threshold > 0 ? rounded2(value / target.threshold * 100) : 100
        case .atMost: return value > 0 ? rounded2(max(0, target.threshold) / value * 100) : 100
        }
    }

    public static let fields = ["target", "indicator", "unit", "comparison", "threshold", "value", "achieved_percent", "met"]
    public var values: [Value] {
        [.text(target.name), .text(target.indicator.rawValue), .text(target.unit ?? "total"), .text(target.comparison.rawValue),
         .hours(target.threshold), value.map { .hours(rounded2($0)) } ?? .null, .percent(achieved), .flag(met)]
    }
}

extension Inspector {
    /// Each target's achieved value for `period`, and a summary such as "5/6 met, 1 at 99%".
    public func scorecard(period: Period, targets: [Target]) async throws -> Report<ScoreRow> {
        let needs = Set(targets.map(\.indicator))
        let rates = try await onTimeRates(period: period, by: .competentUnit)
        let online = needs.contains(.onlineRate) ? try await onlineRates(period: period) : nil
        let satisfaction = needs.contains(.satisfaction54) ? try await satisfaction(period: period) : nil
        let units = needs.isDisjoint(with: [.complaints, .lateWithoutApology, .deadlinesMissed])
            ? nil : try await accountability(period: period, by: .unit, listingDossiers: false)
        func row<R>(_ report: Report<R>?, _ unit: String?, group: (R) -> String) -> R? {
            report?.rows.first { group($0) == (unit ?? "total") }
        }
        func sum(_ unit: String?, _ value: (AccountabilityRow) -> Int) -> Double? {
            guard let units else { return nil }
            let date = period.treeDate
            let rows = units.rows.filter { row in unit.map { rules.catalog.lineage(of: row.unit, on: date).contains($0) } ?? true }
            return Double(rows.map(value).reduce(0, +))
        }
        let scored = targets.map { target -> ScoreRow in
            let value: Double? = switch target.indicator {
            case .onTimeRate: row(rates, target.unit, group: \.group)?.onTimeRate
            case .score766: row(rates, target.unit, group: \.group)?.score766
            case .onlineRate: row(online, target.unit, group: \.group)?.onlineRate
            case .satisfaction54: row(satisfaction, target.unit, group: \.group)?.score54.map(rounded2)
            case .complaints: sum(target.unit) { $0.complaints }
            case .lateWithoutApology: sum(target.unit) { $0.violations[.lateWithoutApology] ?? 0 }
            case .deadlinesMissed: sum(target.unit) { $0.deadlinesMissed }
            }
            return ScoreRow(target: target, value: value)
        }
        var summary: Phrase = "\(scored.filter(\.met).count)/\(scored.count) met"
        let shortfalls = Dictionary(grouping: scored.filter { !$0.met }) { Int($0.achieved.rounded(.down)) }
        for (percent, rows) in shortfalls.sorted(by: { $0.key > $1.key }) { summary = "\(summary), \(rows.count) at \(percent)%" }
        var report = Report(title: "Targets scorecard \(period)", provenance: rates.provenance, reportInstant: rates.reportInstant,
                            rows: scored, summary: summary)
        report.period = period
        // What the reports it read could not judge, once each.
        report.unjudged = Unjudged.ordered(rates.unjudged + (satisfaction?.unjudged ?? []) + (units?.unjudged ?? []))
        return report
    }
}
