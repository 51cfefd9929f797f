/// Where one dossier of a period's population lands in the on-time rate (indicators.md):
/// exactly one bucket, and the subsets shown beside them.
public struct PeriodOutcome: Sendable, Hashable {
    public enum Bucket: String, Sendable, Hashable, CaseIterable {
        case early
        case onTime = "on_time"
        case late
        case openInTime = "open_in_time"
        case openOverdue = "open_overdue"
    }

    public var bucket: Bucket
    /// Received within the period (else carried over, open, from before it).
    public var receivedInPeriod: Bool
    /// Received online (a provincial report counts those received in the period apart).
    public var online = false
    /// Of `openInTime`: waiting for a supplement at the period end.
    public var waiting: Bool
    /// Of the finished: withdrawn.
    public var withdrawn: Bool
    /// Of `openInTime` and not waiting: its legal due within one office day of the period end
    /// (as in the due-soon list at the period end).
    public var dueSoon = false
    /// Of those finished early, on time or late in the period (not withdrawn; stopped ones
    /// included): no `returned` before the period end.
    public var notReturned = false
    /// Indicator 766 2.1 (nil when it cannot be judged).
    public var onTime766: Bool?

    /// Counts toward the on-time rate's numerator: finished early or on time, or open in time.
    public var countsAsOnTime: Bool { bucket == .early || bucket == .onTime || bucket == .openInTime }
}

extension DossierState {
    /// The dossier's outcome in `period`, or nil when it is not in the population or its legal
    /// due is unknown. A dossier finished at or after the period end counts as open at the end,
    /// judged at the end instant.
    /// - Throws: ``CalendarError`` when the due-soon subset needs a year whose calendar is not loaded.
    public func outcome(in period: Period, rules: DomainRules) throws(CalendarError) -> PeriodOutcome? {
        guard isInPopulation(of: period), let receipt else { return nil }
        let receivedInPeriod = receipt.at >= period.start
        let online = receipt.channel == .online
        let score = onTime766(periodEnd: period.end)
        if let finish, finish.at < period.end {
            guard let onTime = onTimeClass() else { return nil }
            let bucket: PeriodOutcome.Bucket = switch onTime {
            case .early: .early
            case .onTime: .onTime
            case .late: .late
            }
            var outcome = PeriodOutcome(bucket: bucket, receivedInPeriod: receivedInPeriod, waiting: false,
                                        withdrawn: finish.kind == .withdrawn, onTime766: score)
            outcome.online = online
            outcome.notReturned = finish.kind != .withdrawn && returnedAt.map { $0 >= period.end } ?? true
            return outcome
        }
        let end = period.end
        if isWaiting(at: end) {
            var outcome = PeriodOutcome(bucket: .openInTime, receivedInPeriod: receivedInPeriod, waiting: true, withdrawn: false, onTime766: score)
            outcome.online = online
            return outcome
        }
        guard let due = legalDue(at: end) else { return nil }
        var outcome = PeriodOutcome(bucket: end > due ? .openOverdue : .openInTime, receivedInPeriod: receivedInPeriod,
                                    waiting: false, withdrawn: false, onTime766: score)
        outcome.online = online
        if outcome.bucket == .openInTime {
            // As the due-soon list at the period end: the state as it stood then (finished later counts as open).
            var open = self
            open.finish = nil
            outcome.dueSoon = try open.dueSoonRemaining(at: end, rules: rules) != nil
        }
        return outcome
    }
}

/// Outcomes of a period counted: the on-time rate's numbers for any set of dossiers. Counts of
/// two disjoint sets add up, which lets figures kept per unit and period roll up.
public struct OutcomeCounts: Sendable, Hashable {
    public var population = 0
    public var received = 0
    /// Of `received`: online.
    public var receivedOnline = 0
    public var carriedOver = 0
    public var early = 0
    public var onTime = 0
    public var late = 0
    public var openInTime = 0
    public var openOverdue = 0
    public var waiting = 0
    public var withdrawn = 0
    public var dueSoon = 0
    public var notReturned = 0
    /// On time under Quyết định 766 (indicator 2.1).
    public var onTime766 = 0

    public init() {}

    public mutating func count(_ outcome: PeriodOutcome, times: Int = 1) {
        population += times
        if outcome.receivedInPeriod { received += times } else { carriedOver += times }
        if outcome.receivedInPeriod && outcome.online { receivedOnline += times }
        switch outcome.bucket {
        case .early: early += times
        case .onTime: onTime += times
        case .late: late += times
        case .openInTime: openInTime += times
        case .openOverdue: openOverdue += times
        }
        if outcome.waiting { waiting += times }
        if outcome.withdrawn { withdrawn += times }
        if outcome.dueSoon { dueSoon += times }
        if outcome.notReturned { notReturned += times }
        if outcome.onTime766 == true { onTime766 += times }
    }

    /// The counts in a fixed order (the order of the stored form).
    public var all: [Int] {
        [population, received, receivedOnline, carriedOver, early, onTime, late, openInTime, openOverdue, waiting, withdrawn,
         dueSoon, notReturned, onTime766]
    }

    /// Counts from ``all``'s order (missing ones zero).
    public init(_ all: some Collection<Int>) {
        var values = Array(all) + Array(repeating: 0, count: max(0, 14 - all.count))
        (population, received, receivedOnline, carriedOver, early, onTime, late) = (values[0], values[1], values[2], values[3], values[4], values[5], values[6])
        values.removeFirst(7)
        (openInTime, openOverdue, waiting, withdrawn, dueSoon, notReturned, onTime766) = (values[0], values[1], values[2], values[3], values[4], values[5], values[6])
    }

    public static func + (a: OutcomeCounts, b: OutcomeCounts) -> OutcomeCounts { OutcomeCounts(zip(a.all, b.all).map { $0 + $1 }) }
    public static func += (a: inout OutcomeCounts, b: OutcomeCounts) { a = a + b }
}
