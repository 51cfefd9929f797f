public import DossierDomain
import Projections

/// Who the accountability view attributes to.
public enum Attribution: String, Sendable, Hashable, CaseIterable {
    case officer
    case unit
}

/// One officer's or one unit's record for a period (indicators.md, "Accountability").
public struct AccountabilityRow: ReportRow, Hashable {
    /// The officer (officer rows), nil for unit rows.
    public var officer: String?
    /// The unit (unit rows), or the officer's unit in the officer catalog (else where the
    /// officer's first attributed fact happened).
    public var unit: String
    /// The officer's name (officer rows) or the unit's (unit rows), in force on the period's last day.
    public var name: String?
    public var stepsHeld = 0
    public var stepsFinished = 0
    public var stepsLate = 0
    /// Working microseconds by which late steps finished in the period overran.
    public var overrun: Int64 = 0
    public var stepsOpenLate = 0
    public var openOverrun: Int64 = 0
    public var deadlinesMissed = 0
    public var violations: [Violation.Kind: Int] = [:]
    public var complaints = 0
    public var dissatisfied = 0
    public var homeVisits = 0
    /// Events of this officer (unit) voided by a correction made in the period: a signal, not a fault.
    public var entriesVoided = 0
    public var dossiers: Set<String> = []

    public init(officer: String?, unit: String) {
        self.officer = officer
        self.unit = unit
    }

    public var violationCount: Int { violations.values.reduce(0, +) }
    /// Everything that counts against the row.
    public var faults: Int { stepsLate + stepsOpenLate + deadlinesMissed + violationCount + complaints }
    /// A reward: steps held, none late (finished or open at the end), no missed legal due, no
    /// violation, no complaint (corrections are not faults).
    public var deservesReward: Bool { stepsHeld > 0 && faults == 0 }

    public static let fields = ["officer", "unit", "name", "steps_held", "steps_finished", "steps_late", "overrun_hours", "steps_open_late",
                                "open_overrun_hours", "deadlines_missed", "late_without_apology", "apology_too_late",
                                "repeated_reschedule", "late_supplement_request", "complaints", "dissatisfied", "home_visits", "entries_voided", "dossiers"]
    public var values: [Value] {
        [officer.map(Value.text) ?? .null, .text(unit), name.map(Value.text) ?? .null, .integer(stepsHeld), .integer(stepsFinished), .integer(stepsLate),
         .hours(rounded2(Double(overrun) / 3_600_000_000)), .integer(stepsOpenLate), .hours(rounded2(Double(openOverrun) / 3_600_000_000)),
         .integer(deadlinesMissed), .integer(violations[.lateWithoutApology] ?? 0), .integer(violations[.apologyTooLate] ?? 0),
         .integer(violations[.repeatedReschedule] ?? 0), .integer(violations[.lateSupplementRequest] ?? 0),
         .integer(complaints), .integer(dissatisfied), .integer(homeVisits), .integer(entriesVoided), .codes(dossiers.sorted())]
    }
}

extension Inspector {
    /// Accountability for `period` per officer or per unit (direct attribution, not rolled up).
    /// Steps, dues, violations, feedback and visits are placed in the period by their own
    /// instant; violations are judged on the whole log at the report instant (the latest `at`).
    /// With `unit`, only rows of that unit and the units under it. Rows with the most faults
    /// first; with `rewards`, only the rows that deserve a reward (officers with steps held and
    /// no fault).
    public func accountability(period: Period, by attribution: Attribution, unit: String? = nil, rewards: Bool = false) async throws -> Report<AccountabilityRow> {
        try rules.catalog.checkFilters(unit: unit, procedure: nil, officer: nil, upTo: period.lastDay)
        let selection = try await dossiers.dossiers(activeIn: period)
        let (provenance, instant, found) = (selection.provenance, selection.instant, selection.current)
        var rows: [String: AccountabilityRow] = [:]
        func add(_ officer: String?, _ unit: String, _ dossier: String, _ change: (inout AccountabilityRow) -> Void) {
            let key: String, fresh: AccountabilityRow
            switch attribution {
            case .officer:
                guard let officer, isOfficer(officer) else { return }
                (key, fresh) = (officer, AccountabilityRow(officer: officer, unit: rules.catalog.officers[officer]?.unit ?? unit))
            case .unit:
                (key, fresh) = (unit, AccountabilityRow(officer: nil, unit: unit))
            }
            change(&rows[key, default: fresh])
            rows[key, default: fresh].dossiers.insert(dossier)
        }
        var unjudged = UnjudgedDossiers()
        for state in found {
            let code = state.dossier
            // Placed by the correction's instant, attributed to whoever recorded the voided event
            // (no calendar needed: it counts also when the dossier cannot be judged, or counts nowhere).
            for void in state.voids where period.contains(void.at) {
                add(void.targetActor, void.targetUnit, code) { $0.entriesVoided += 1 }
            }
            // Every judgement of the dossier needs its calendar years: without one, it is unjudged.
            guard let (steps, openSteps, violations) = try unjudged.judge(state, { () throws(CalendarError) in
                (try state.judgedSteps(at: instant, rules: rules), try state.openSteps(at: min(period.end, instant), rules: rules),
                 try state.violations(at: instant, rules: rules))
            }) else { continue }
            for judged in steps {
                let step = judged.step
                if period.contains(step.start) { add(step.holderActor, step.holderUnit, code) { $0.stepsHeld += 1 } }
                if let end = step.end, period.contains(end) {
                    add(step.holderActor, step.holderUnit, code) { row in
                        row.stepsFinished += 1
                        if judged.isLate { row.stepsLate += 1; row.overrun += judged.overrun }
                    }
                }
            }
            for judged in openSteps where judged.isLate {
                add(judged.step.holderActor, judged.step.holderUnit, code) { $0.stepsOpenLate += 1; $0.openOverrun += judged.overrun }
            }
            for missed in state.missedDues(asOf: instant) where period.contains(missed.due) {
                add(missed.holderActor, missed.holderUnit, code) { $0.deadlinesMissed += 1 }
            }
            for violation in violations where period.contains(violation.at) {
                add(violation.officer, violation.unit, code) { $0.violations[violation.kind, default: 0] += 1 }
            }
            for event in state.feedback where period.contains(event.at) {
                guard case .feedback(let f) = event.body else { continue }
                let complaint = f.complaint == true, unhappy = f.rating == .dissatisfied
                guard complaint || unhappy else { continue }
                add(f.aboutActor, event.unit, code) { row in
                    if complaint { row.complaints += 1 }
                    if unhappy { row.dissatisfied += 1 }
                }
            }
            for event in state.visits where period.contains(event.at) {
                add(event.actor, event.unit, code) { $0.homeVisits += 1 }
            }
        }
        var result = Array(rows.values)
        if let unit {
            let date = period.treeDate
            result = result.filter { rules.catalog.lineage(of: $0.unit, on: date).contains(unit) }
        }
        if rewards { result = result.filter(\.deservesReward) }
        for index in result.indices {
            let row = result[index]
            result[index].name = row.officer.map { rules.catalog.name(of: .officer, $0, on: period.lastDay) }
                ?? rules.catalog.name(of: .unit, row.unit, on: period.lastDay)
        }
        result.sort { ($0.faults, $1.officer ?? $1.unit) > ($1.faults, $0.officer ?? $0.unit) }
        let title = rewards ? "Reward list \(period)" : "Accountability \(period) by \(attribution.rawValue)"
        var report = Report(title: title, provenance: provenance, reportInstant: instant, rows: result)
        report.unjudged = unjudged.sorted
        report.period = period
        return report
    }
}
