/// One row of the due-soon list (indicators.md, "Due-soon list"): an open dossier in time at the
/// report instant, not waiting for a supplement, whose legal due comes within a number of
/// working hours: what an office head must act on before it becomes late.
@dynamicMemberLookup
public struct DueSoonEntry: Sendable, Hashable {
    /// The fields it shares with the late list (its overdue time is 0, it has no finish).
    public var entry: LateEntry
    /// W(T, due) in the receiving unit's office hours, microseconds.
    public var remaining: Int64

    public subscript<T>(dynamicMember field: KeyPath<LateEntry, T>) -> T { entry[keyPath: field] }

    /// Hours remaining, as the JSON field `hours_remaining` gives them.
    public var hoursRemaining: Double { Double(remaining) / 3_600_000_000 }

    /// The list's order: least time remaining first, ties by dossier code.
    public static func ordered(_ entries: [DueSoonEntry]) -> [DueSoonEntry] {
        entries.sorted { $0.remaining != $1.remaining ? $0.remaining < $1.remaining : $0.dossier < $1.dossier }
    }
}

extension DossierState {
    /// W(T, due) when the dossier is due soon at `instant`: open and in time then, not waiting,
    /// and its legal due within `within` working microseconds of it (default: the receiving
    /// unit's office day L), in the receiving unit's office hours; else nil. The state must be
    /// folded through `instant`.
    /// - Throws: ``CalendarError`` when the working time reaches a year whose calendar is not loaded.
    public func dueSoonRemaining(at instant: Instant, within: Int64? = nil, rules: DomainRules) throws(CalendarError) -> Int64? {
        guard let receipt, finish == nil, !isWaiting(at: instant), let due = legalDue(at: instant), instant <= due else { return nil }
        let schedule = rules.schedule(for: receipt.unit)
        let remaining = try schedule.workingTime(from: instant, to: due)
        return remaining <= (within ?? schedule.hours.dayLength) ? remaining : nil
    }

    /// The dossier's due-soon row at `instant` (see ``dueSoonRemaining(at:within:rules:)``), or nil.
    public func dueSoonEntry(at instant: Instant, within: Int64? = nil, rules: DomainRules) throws(CalendarError) -> DueSoonEntry? {
        guard let remaining = try dueSoonRemaining(at: instant, within: within, rules: rules), let due = legalDue(at: instant),
              let entry = listed(due: due, holder: custody(at: instant), overdue: 0) else { return nil }
        return DueSoonEntry(entry: entry, remaining: remaining)
    }
}
