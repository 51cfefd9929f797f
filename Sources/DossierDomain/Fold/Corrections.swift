/// One effective event of a dossier as the correction rules see it: its position in the
/// dossier's stream (its version), type and instant.
public struct EffectiveEvent: Sendable, Hashable {
    public var version: Int
    public var type: EventType
    public var at: Instant

    public init(version: Int, type: EventType, at: Instant) {
        self.version = version
        self.type = type
        self.at = at
    }
}

/// The rules of events.md, "Corrections" (rule 7), shared by every write path and every fold.
///
/// An event is *effective* while no `voided` names it; voids are never effective. A void must
/// name the dossier's latest effective event other than `deadline_missed` (which records what
/// the sweep saw and cannot be voided), be made by an officer, and not be dated before the
/// latest effective event other than its target. The dossier's state is then the fold of the
/// effective events that remain.
public enum Corrections: Sendable {
    /// Checks the void `event` (whose body is `.voided`) of a dossier whose effective events are
    /// `effective`, oldest first.
    ///
    /// - Parameters:
    ///   - targetType: the type of the event the void names, nil when the dossier has no event
    ///     with that id.
    ///   - targetIndex: where the target is in `effective`, nil when it is not effective (voided
    ///     already, or itself a void).
    /// - Returns: `targetIndex`, checked.
    /// - Throws: ``EventRejection`` naming the field and the rule.
    @discardableResult
    public static func check(_ event: DossierEvent, targetType: EventType?, targetIndex: Int?,
                             effective: [EffectiveEvent]) throws(EventRejection) -> Int {
        guard case .voided(let void) = event.body else {
            throw EventRejection(eventID: event.id, field: "type", rule: "not a correction")
        }
        func reject(_ field: String, _ rule: Phrase) -> EventRejection { EventRejection(eventID: event.id, field: field, rule: rule) }
        guard isOfficer(event.actor) else { throw reject("actor", "a correction is made by an officer, not `\(event.actor)`") }
        guard let targetType else {
            throw reject("target", "dossier \(event.dossier) has no event \(void.target); a correction names an event of its own dossier")
        }
        switch targetType {
        case .voided:
            throw reject("target", "\(void.target) is itself a correction, and a correction cannot be voided: append the right event instead")
        case .deadlineMissed:
            throw reject("target", "\(void.target) is a deadline_missed, which records what the sweep saw and cannot be voided")
        default:
            break
        }
        guard let targetIndex else {
            throw reject("target", "\(void.target) was voided already")
        }
        guard let latest = effective.lastIndex(where: { $0.type != .deadlineMissed }), latest == targetIndex else {
            let latest = effective.last { $0.type != .deadlineMissed }
            throw reject("target", latest.map {
                "\(void.target) is not the latest effective event of dossier \(event.dossier) (that is version \($0.version), \($0.type.rawValue) at \($0.at)); undo later events first, latest first"
            } ?? "\(void.target) is not the latest effective event of dossier \(event.dossier); undo later events first, latest first")
        }
        // The latest effective event other than the target: a deadline_missed after it, or the one before it.
        let others = effective.indices.filter { $0 != targetIndex }
        if let other = others.last, event.at < effective[other].at {
            throw reject("at", "goes back in time: the correction is dated before the dossier's latest effective event other than its target (\(effective[other].at))")
        }
        return targetIndex
    }
}

extension Corrections {
    /// The effective events of stored events (oldest first, with their versions), trusting
    /// that each was checked when it was appended: each correction removes the event it names.
    public static func effective(_ events: [(version: Int, event: DossierEvent)]) -> [EffectiveEvent] {
        var effective: [(id: String, event: EffectiveEvent)] = []
        for (version, event) in events {
            if case .voided(let void) = event.body {
                if let index = effective.lastIndex(where: { $0.id == void.target }) { effective.remove(at: index) }
            } else {
                effective.append((event.id, EffectiveEvent(version: version, type: event.type, at: event.at)))
            }
        }
        return effective.map(\.event)
    }
}
