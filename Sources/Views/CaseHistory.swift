public import DossierDomain
public import DossierLog
public import EventLog
import Projections

/// One event of a case history with the state it led to (indicators.md, "Case history").
public struct HistoryRow: ReportRow, Hashable {
    public var seq: GlobalPosition
    public var version: StreamVersion
    public var event: DossierEvent
    public var hash: EventHash
    /// The state after this event.
    public var status: DossierStatus
    public var holder: Step?
    public var legalDue: Instant?
    public var rescheduledDue: Instant?
    /// `early`, `on_time`, `late` once finished; `in_time`, `overdue` or `waiting` while open;
    /// `unknown` without a legal due.
    public var standing: String
    /// Working hours overdue at this event (W(due, at)), or the overrun once finished late.
    public var hoursOverdue: Double
    /// The correction that voided this event, if any (events.md, "Corrections").
    public var voidedBy: VoidRecord?

    public static let fields = ["seq", "version", "at", "type", "actor", "unit", "hash", "status", "holder_actor", "holder_unit",
                                "due", "rescheduled_due", "standing", "hours_overdue", "voided_at", "voided_by", "void_reason"]
    public var values: [Value] {
        [.integer(Int(seq.rawValue)), .integer(Int(version.rawValue)), .instant(event.at), .text(event.type.rawValue),
         .text(event.actor), .text(event.unit), .digest(hash.hex), .text(status.rawValue),
         holder?.holderActor.map(Value.text) ?? .null, holder.map { .text($0.holderUnit) } ?? .null,
         .instant(legalDue), .instant(rescheduledDue), .text(standing), .hours(rounded2(hoursOverdue)),
         .instant(voidedBy?.at), voidedBy.map { .text($0.actor) } ?? .null, voidedBy.map { .text($0.reason) } ?? .null]
    }
}

/// Where a dossier stands at an instant, as a case history states it beside its rows.
public struct HistoryJudgement: Sendable, Hashable {
    /// The instant it is judged at: `--as-of`, else the dossier's latest event.
    public var at: Instant
    public var status: DossierStatus
    public var standing: String
    public var hoursOverdue: Double
    public var holder: Step?
    public var legalDue: Instant?
}

/// A dossier's case history up to a limit, the state there, and whether its events are intact.
public struct CaseHistory: Sendable {
    public let report: Report<HistoryRow>
    /// The state at the limit (after the last row).
    public let state: DossierState?
    /// The state judged at the limit's instant (with every correction in the log applied), so
    /// that a history and a late list at the same instant agree.
    public let judgement: HistoryJudgement?
    /// Nil when every event's hash recomputes and each links to the dossier's previous one;
    /// else what is wrong, at which seq.
    public let chainProblem: Phrase?
    /// The units that handled the dossier: each event's unit, and each unit it was forwarded to.
    public let units: Set<String>
}

public struct UnknownDossier: PhrasedError, Sendable, Hashable {
    public let code: String
    public var phrase: Phrase { "no dossier \(code) in the log; check the code (mã hồ sơ), e.g. with `dossier late`" }
}

/// Reads dossiers from the log itself (no projection): case histories and states as of an
/// instant or version.
public struct LogReader: Sendable {
    public let ledger: DossierLedger
    public let rules: DomainRules

    public init(ledger: DossierLedger, rules: DomainRules) {
        self.ledger = ledger
        self.rules = rules
    }

    /// A dossier's state folded from the log up to `limit`, using only events up to `checkpoint`.
    public func state(of code: String, through limit: FoldLimit, checkpoint: GlobalPosition) async throws -> DossierState? {
        let history = try await events(of: code, through: checkpoint)
        return try DossierState.fold(history.map(\.event), rules: rules, through: limit)
    }

    /// A dossier's events with their records, up to `checkpoint`.
    func events(of code: String, through checkpoint: GlobalPosition) async throws -> [(record: RecordedEvent, event: DossierEvent)] {
        var result: [(RecordedEvent, DossierEvent)] = []
        var next = StreamVersion(1)
        let stream = try StreamID(code)
        while true {
            let batch = try await ledger.store.read(stream: stream, from: next, direction: .forward, limit: 256)
            for record in batch {
                guard record.position <= checkpoint else { return result }
                if case .dossier(let event) = try Records.decode(record) { result.append((record, event)) }
            }
            guard let last = batch.last else { return result }
            next = last.version.next
        }
    }

    /// The case history of `code` read from the log itself (not a projection), every event with
    /// its seq and hash and the state after it, up to `limit` (a version or an instant: time
    /// travel), with a check of the dossier's hash links.
    public func history(of code: String, through limit: FoldLimit = .all) async throws -> CaseHistory {
        guard let head = try await ledger.store.head() else { throw UnknownDossier(code: code) }
        let events = try await events(of: code, through: head.position)
        guard !events.isEmpty else { throw UnknownDossier(code: code) }
        // Every correction in the log marks the event it voided, whatever the limit.
        var whole = DossierReplay(dossier: code)
        for (_, event) in events { try? whole.apply(event, rules: rules) }
        let voidedBy = Dictionary(whole.state.voids.map { ($0.targetID, $0) }) { first, _ in first }
        var rows: [HistoryRow] = []
        var replay = DossierReplay(dossier: code)
        for (record, event) in events {
            if case .version(let n) = limit, record.version.rawValue > UInt64(max(n, 0)) { break }
            if case .instant(let t) = limit, event.at > t { break }
            try replay.apply(event, rules: rules)
            let state = replay.state
            let (standing, overdue) = try Self.judge(state, at: event.at, rules: rules)
            rows.append(HistoryRow(seq: record.position, version: record.version, event: event, hash: record.hash,
                                   status: state.status, holder: state.custody(at: event.at), legalDue: state.legalDue,
                                   rescheduledDue: state.rescheduledDue, standing: standing, hoursOverdue: overdue,
                                   voidedBy: voidedBy[event.id]))
        }
        // The judgement: at --as-of (also after the last event), else at the last row; a
        // version limit judges the replay as it stood then.
        var judgement: HistoryJudgement?
        let judgedAt: Instant? = if case .instant(let t) = limit { t } else { rows.last?.event.at }
        let judged: DossierState? = if case .instant(let t) = limit {
            whole.state(at: t, rules: rules)  // every correction in the log applies, as in the views
        } else if case .version = limit { replay.state } else { whole.state }
        if let judgedAt, let judged {
            let (standing, overdue) = try Self.judge(judged, at: judgedAt, rules: rules)
            judgement = HistoryJudgement(at: judgedAt, status: judged.status, standing: standing, hoursOverdue: overdue,
                                         holder: judged.custody(at: judgedAt), legalDue: judged.legalDue)
        }
        let provenance = Provenance(projection: "log", version: Int(RecordLayout.format),
                                    checkpoint: Checkpoint(position: head.position, hash: head.hash))
        var report = Report(title: "Case history of \(code)", provenance: provenance, reportInstant: judgedAt, rows: rows)
        if let judgement {
            report.details = [("state_at", .instant(judgement.at)), ("status", .text(judgement.status.rawValue)),
                              ("standing", .text(judgement.standing)), ("hours_overdue", .hours(rounded2(judgement.hoursOverdue))),
                              ("holder_actor", judgement.holder?.holderActor.map(Value.text) ?? .null),
                              ("holder_unit", judgement.holder.map { .text($0.holderUnit) } ?? .null), ("due", .instant(judgement.legalDue))]
        }
        let units = events.reduce(into: Set<String>()) { units, item in
            units.insert(item.event.unit)
            if case .forwarded(let forwarded) = item.event.body { units.insert(forwarded.toUnit) }
        }
        return CaseHistory(report: report,
                           state: rows.isEmpty ? nil : replay.state, judgement: judgement,
                           chainProblem: try await chainProblem(events.map(\.record)), units: units)
    }

    /// The standing of `state` at `instant` (as a case history writes it) and hours overdue.
    private static func judge(_ state: DossierState, at instant: Instant, rules: DomainRules) throws -> (String, Double) {
        let standing: String = switch state.standing(at: instant) {
        case .finished(let c): c.rawValue
        case .open(overdue: true, _): "overdue"
        case .open(_, waiting: true): "waiting"
        case .open: "in_time"
        case .unknown: state.receipt == nil ? (state.voids.isEmpty ? "not_received" : "voided") : "unknown"
        }
        return (standing, Double(try state.overdueTime(at: instant, rules: rules)) / 3_600_000_000)
    }

    /// Recomputes each record's hashes and checks that each links to the dossier's previous one.
    private func chainProblem(_ records: [RecordedEvent]) async throws -> Phrase? {
        var previous = EventHash.zero
        for record in records {
            if record.previousInStream != previous {
                return "seq \(record.position): its link to the dossier's previous event does not match (an event was removed, inserted or rewritten)"
            }
            let report = try await ledger.store.verify(record.position...record.position)
            if let failure = report.failure { return "\(failure)" }
            previous = record.hash
        }
        return nil
    }
}
