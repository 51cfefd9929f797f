/// A correction as the views need it: when, by whom and why, and what it undid (events.md,
/// "Corrections"; indicators.md, `entries_voided`).
public struct VoidRecord: Sendable, Hashable {
    /// The `voided` event.
    public var id: String
    public var at: Instant
    public var actor: String
    public var unit: String
    public var reason: String
    /// The event it undid.
    public var targetID: String
    public var targetType: EventType
    public var targetAt: Instant
    public var targetActor: String
    public var targetUnit: String

    public init(id: String, at: Instant, actor: String, unit: String, reason: String, targetID: String,
                targetType: EventType, targetAt: Instant, targetActor: String, targetUnit: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.unit = unit
        self.reason = reason
        self.targetID = targetID
        self.targetType = targetType
        self.targetAt = targetAt
        self.targetActor = targetActor
        self.targetUnit = targetUnit
    }
}

/// Folds one dossier's events in order, corrections included: it keeps the effective events,
/// so that a `voided` event is checked against them (``Corrections``) and the state becomes the
/// fold of those that remain.
public struct DossierReplay: Sendable {
    public private(set) var state: DossierState
    /// The effective events so far, with their place among the events applied.
    private var effective: [(version: Int, event: DossierEvent)] = []

    public init(dossier: String) { state = DossierState(dossier: dossier) }

    /// The type of the dossier's event `id`, from what the replay keeps: an effective event, an
    /// event voided (its correction's record), or a correction; nil when it has none.
    private func type(of id: String) -> EventType? {
        effective.last { $0.event.id == id }?.event.type
            ?? state.voids.last { $0.targetID == id }?.targetType
            ?? (state.voids.contains { $0.id == id } ? .voided : nil)
    }

    /// Checks `event` against the state (rules 3 and 4, or rule 7 for a correction) and applies it.
    /// - Throws: ``EventRejection`` naming the rule; nothing changes.
    public mutating func apply(_ event: DossierEvent, rules: DomainRules) throws(EventRejection) {
        guard case .voided(let void) = event.body else {
            try state.apply(event, rules: rules)
            effective.append((state.version, event))
            return
        }
        let index = try Corrections.check(event, targetType: type(of: void.target), targetIndex: effective.lastIndex { $0.event.id == void.target },
                                          effective: effective.map { EffectiveEvent(version: $0.version, type: $0.event.type, at: $0.event.at) })
        let target = effective.remove(at: index).event
        let record = VoidRecord(id: event.id, at: event.at, actor: event.actor, unit: event.unit, reason: void.reason,
                                targetID: target.id, targetType: target.type, targetAt: target.at,
                                targetActor: target.actor, targetUnit: target.unit)
        state = DossierState.refolded(state.dossier, effective: effective, version: state.version + 1,
                                      voids: state.voids + [record], rules: rules)
    }

    /// The state as of `instant`: the effective events at or before it (corrections made later
    /// apply too) and the corrections made by then; nil when no event is that old.
    public func state(at instant: Instant, rules: DomainRules) -> DossierState? {
        guard state.lastAt.map({ $0 > instant }) ?? false || state.voids.contains(where: { $0.at > instant }) else { return state }
        let kept = effective.filter { $0.event.at <= instant }
        let voids = state.voids.filter { $0.at <= instant }
        guard !kept.isEmpty || !voids.isEmpty else { return nil }
        return DossierState.refolded(state.dossier, effective: kept, version: (kept.last?.version ?? 0) + voids.count,
                                     voids: voids, rules: rules)
    }
}
