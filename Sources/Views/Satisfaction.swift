public import DossierDomain
import Projections

/// One receiving unit's satisfaction in a period (indicators.md, "Satisfaction").
public struct SatisfactionRow: ReportRow, Hashable {
    public var group: String
    /// The receiving unit's name (in force on the period's last day); nil for the total.
    public var name: String?
    public var satisfied = 0
    public var neutral = 0
    public var dissatisfied = 0
    public var complaints = 0
    public var population = 0
    /// Of the population: finished late or open overdue at the period end.
    public var late = 0
    /// Of the population: with a complaint or a dissatisfied rating in the period.
    public var unhappyDossiers = 0

    public init(group: String, name: String? = nil) {
        self.group = group
        self.name = name
    }

    /// Quyết định 766 indicator 5.4: 100% − (late rate + rate of unhappy dossiers), not below 0.
    public var score54: Double? {
        guard population > 0 else { return nil }
        return max(0, 100 - ((percentage(late, of: population) ?? 0) + (percentage(unhappyDossiers, of: population) ?? 0)))
    }

    mutating func add(_ feedback: Feedback) {
        switch feedback.rating {
        case .satisfied: satisfied += 1
        case .neutral: neutral += 1
        case .dissatisfied: dissatisfied += 1
        }
        if feedback.complaint == true { complaints += 1 }
    }

    mutating func add(late isLate: Bool, unhappy: Bool) {
        population += 1
        if isLate { late += 1 }
        if unhappy { unhappyDossiers += 1 }
    }

    public static let fields = ["group", "name", "satisfied", "neutral", "dissatisfied", "complaints", "population", "late",
                                "unhappy_dossiers", "score_5_4", "full_marks"]
    public var values: [Value] {
        [.text(group), name.map(Value.text) ?? .null, .integer(satisfied), .integer(neutral), .integer(dissatisfied), .integer(complaints), .integer(population),
         .integer(late), .integer(unhappyDossiers), .percent(score54.map(rounded2)), .flag((score54 ?? 0) >= 90)]
    }
}

/// Home support in a period per unit or officer (indicators.md, "Home support").
public struct HomeSupportRow: ReportRow, Hashable {
    public var group: String
    /// The unit's or officer's name (in force on the period's last day); nil for the total.
    public var name: String?
    public var visits = 0
    public var minutes = 0
    public var purposes: [VisitPurpose: Int] = [:]
    /// Dossiers received in the period with `assist` `home_visit` (by receiving unit or officer).
    public var assisted = RateRow(group: "")

    public init(group: String, name: String? = nil) {
        self.group = group
        self.name = name
    }

    public static let fields = ["group", "name", "visits", "minutes", "guidance", "receive", "deliver", "assisted_dossiers", "assisted_on_time_rate"]
    public var values: [Value] {
        [.text(group), name.map(Value.text) ?? .null, .integer(visits), .integer(minutes), .integer(purposes[.guidance] ?? 0), .integer(purposes[.receive] ?? 0),
         .integer(purposes[.deliver] ?? 0), .integer(assisted.population), .percent(assisted.onTimeRate)]
    }
}

extension Inspector {
    /// Ratings, complaints and indicator 5.4 of `period` per receiving unit, with a total row.
    /// Ratings and complaints are placed by the feedback's instant; the late and unhappy rates
    /// are over the period's population.
    public func satisfaction(period: Period) async throws -> Report<SatisfactionRow> {
        let selection = try await dossiers.dossiers(activeIn: period)
        let (provenance, instant, found) = (selection.provenance, selection.instant, selection.current)
        var rows: [String: SatisfactionRow] = [:]
        var total = SatisfactionRow(group: "total")
        var unjudged = UnjudgedDossiers()
        for state in found {
            guard let receipt = state.receipt else { continue }
            var row = rows[receipt.unit] ?? SatisfactionRow(group: receipt.unit, name: rules.catalog.name(of: .unit, receipt.unit, on: period.lastDay))
            var unhappy = false
            for event in state.feedback where period.contains(event.at) {
                guard case .feedback(let f) = event.body else { continue }
                row.add(f)
                total.add(f)
                if f.complaint == true || f.rating == .dissatisfied { unhappy = true }
            }
            if state.isInPopulation(of: period),
               let outcome = try unjudged.judge(state, { () throws(CalendarError) in try state.outcome(in: period, rules: rules) }) {
                let late = outcome.bucket == .late || outcome.bucket == .openOverdue
                row.add(late: late, unhappy: unhappy)
                total.add(late: late, unhappy: unhappy)
            }
            rows[receipt.unit] = row
        }
        var report = Report(title: "Satisfaction \(period) by receiving unit", provenance: provenance, reportInstant: instant,
                            rows: rows.keys.sorted().compactMap { rows[$0] } + [total])
        report.period = period
        report.unjudged = unjudged.sorted
        return report
    }

    /// Home-support visits of `period` per unit or officer (the visit's actor and unit), with
    /// the dossiers received with `assist` `home_visit` (by receiving unit or officer) and their
    /// on-time rate; a total row last.
    public func homeSupport(period: Period, by attribution: Attribution) async throws -> Report<HomeSupportRow> {
        let selection = try await dossiers.dossiers(activeIn: period)
        let (provenance, instant, found) = (selection.provenance, selection.instant, selection.current)
        var rows: [String: HomeSupportRow] = [:]
        var total = HomeSupportRow(group: "total")
        var unjudged = UnjudgedDossiers()
        func update(_ group: String?, _ change: (inout HomeSupportRow) -> Void) {
            change(&total)
            guard let group else { return }
            change(&rows[group, default: HomeSupportRow(group: group,
                                                        name: rules.catalog.name(of: attribution == .unit ? .unit : .officer, group, on: period.lastDay))])
        }
        for state in found {
            for event in state.visits where period.contains(event.at) {
                guard case .homeSupportVisit(let visit) = event.body else { continue }
                update(attribution == .unit ? event.unit : (isOfficer(event.actor) ? event.actor : nil)) { row in
                    row.visits += 1
                    row.minutes += visit.minutes ?? 0
                    row.purposes[visit.purpose, default: 0] += 1
                }
            }
            if let receipt = state.receipt, receipt.assist == .homeVisit, period.contains(receipt.at),
               let outcome = try unjudged.judge(state, { () throws(CalendarError) in try state.outcome(in: period, rules: rules) }) {
                update(attribution == .unit ? receipt.unit : receipt.actor) { $0.assisted.counts.count(outcome) }
            }
        }
        var report = Report(title: "Home support \(period) by \(attribution.rawValue)", provenance: provenance, reportInstant: instant,
                            rows: rows.keys.sorted().compactMap { rows[$0] } + [total])
        report.period = period
        report.unjudged = unjudged.sorted
        return report
    }
}
