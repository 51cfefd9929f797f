public import DossierDomain
import EventLog

/// Rule 6 of events.md: an event may be dated at most `tolerance` after the instant the store
/// appends it. Checked before the store appends, against the clock then: the store's `recorded`
/// is later still, so an event passing here passes against it.
public struct TimeGuard: Sendable {
    /// The tolerance in minutes, 0 to 60.
    public let minutes: Int
    let now: @Sendable () -> Instant

    public static let defaultMinutes = 5

    /// The default: 5 minutes against the wall clock.
    public static let standard = TimeGuard(checked: defaultMinutes, now: wallClock)

    private init(checked minutes: Int, now: @escaping @Sendable () -> Instant) {
        self.minutes = minutes
        self.now = now
    }

    /// The wall clock, as the store reads it for `recorded`.
    public static func wallClock() -> Instant { Instant(microsecondsSinceEpoch: RecordedTime.now().rawValue) }

    /// - Throws: ``ImportError`` for a tolerance outside 0...60.
    public init(minutes: Int = TimeGuard.defaultMinutes, now: @escaping @Sendable () -> Instant = TimeGuard.wallClock) throws(ImportError) {
        guard (0...60).contains(minutes) else { throw ImportError("the time tolerance is 0 to 60 minutes, not \(minutes)") }
        self.minutes = minutes
        self.now = now
    }

    /// - Throws: ``EventRejection`` on field `at`, with both instants.
    public func check(_ event: DossierEvent) throws(EventRejection) {
        try check(event.at, eventID: event.id)
    }

    /// ``check(_:)`` for an event at `at` (its id names it in the rejection).
    public func check(_ at: Instant, eventID: String?) throws(EventRejection) {
        let now = now()
        guard at <= now + Int64(minutes) * 60_000_000 else {
            throw EventRejection(eventID: eventID, field: "at",
                                 rule: "\(at) is in the future: the store appends it at \(now), and an event may be dated at most \(minutes) minutes later (a wrong clock or a mistyped date?)")
        }
    }
}
