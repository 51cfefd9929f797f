/// What the lifecycle rules of events.md (rules 3 and 4) need to know of a dossier: small
/// enough to keep for every dossier of a 10-million-line import.
///
/// Everything but ``version`` is the fold of the dossier's *effective* events (events.md,
/// "Corrections"): a `voided` event is never folded here; ``Corrections`` checks it and
/// refolds the effective events that remain (``init(effective:version:)``).
public struct Lifecycle: Sendable, Hashable {
    /// Events of the dossier so far, voids included: its stream version.
    public private(set) var version = 0
    /// Effective events folded.
    public private(set) var effectiveCount = 0
    /// The `at` of the latest effective event.
    public private(set) var lastAt: Instant?
    public private(set) var status = DossierStatus.notReceived
    public private(set) var isReceived = false
    public private(set) var isFinished = false
    /// Supplement requests not yet answered.
    public private(set) var openRequests = 0

    public init() {}

    /// A lifecycle as stored (``DossierState/encoded()``).
    init(version: Int, effectiveCount: Int, lastAt: Instant?, status: DossierStatus, isReceived: Bool, isFinished: Bool, openRequests: Int) {
        self.version = version
        self.effectiveCount = effectiveCount
        self.lastAt = lastAt
        self.status = status
        self.isReceived = isReceived
        self.isFinished = isFinished
        self.openRequests = openRequests
    }

    public var isWaiting: Bool { openRequests > 0 }

    /// Refuses an event that may not follow, with the rule in an operator's words.
    public func check(_ event: DossierEvent) throws(EventRejection) {
        try check(event.type, at: event.at, id: event.id, dossier: event.dossier)
    }

    /// ``check(_:)`` for an event of `type` at `at`; the id and dossier are read only to word a rejection.
    public func check(_ type: EventType, at: Instant, id: @autoclosure () -> String, dossier: @autoclosure () -> String) throws(EventRejection) {
        func reject(_ rule: Phrase) -> EventRejection { EventRejection(eventID: id(), field: "type", rule: rule) }
        if type == .voided {
            // Checked against the effective events themselves (Corrections.check).
            throw reject("a correction is checked against the dossier's effective events (internal: use Corrections)")
        }
        if let lastAt, at < lastAt {
            throw EventRejection(eventID: id(), field: "at", rule: "goes back in time: dossier \(dossier()) already has an event at \(lastAt)")
        }
        if effectiveCount == 0 && type != .received && type != .homeSupportVisit {
            throw reject("the first event of dossier \(dossier()) must be received (or a home-support visit), not \(type.rawValue)")
        }
        if status == .returned || status == .withdrawn, type != .feedback, type != .homeSupportVisit {
            throw reject("dossier \(dossier()) is \(status.rawValue); only feedback and home-support visits may follow")
        }
        switch type {
        case .received:
            if isReceived { throw reject("dossier \(dossier()) was already received; one received per dossier") }
        case .forwarded, .supplementRequested, .deadlineMissed, .apologyIssued, .processed, .stopped, .withdrawn:
            guard isReceived else { throw reject("dossier \(dossier()) has not been received") }
            if isFinished { throw reject("dossier \(dossier()) is already \(status.rawValue)") }
            if (type == .forwarded || type == .processed) && isWaiting {
                throw reject("dossier \(dossier()) is waiting for a supplement; record supplement_received first")
            }
        case .supplementReceived:
            guard isWaiting else { throw reject("dossier \(dossier()) has no open supplement request") }
        case .returned:
            guard status == .processed || status == .stopped else {
                throw reject("dossier \(dossier()) must be processed or stopped before it is returned")
            }
        case .homeSupportVisit, .feedback, .voided:
            break
        }
    }

    /// Takes an event that passed ``check(_:)``.
    public mutating func advance(_ event: DossierEvent) {
        advance(event.type, at: event.at)
    }

    /// ``advance(_:)`` by an event of `type` at `at`.
    public mutating func advance(_ type: EventType, at: Instant) {
        version += 1
        guard type != .voided else { return }  // a void changes what is effective: Corrections refolds
        effectiveCount += 1
        lastAt = at
        switch type {
        case .received: isReceived = true; status = .received
        case .forwarded: status = .processing
        case .supplementRequested: openRequests += 1; status = .supplement
        case .supplementReceived: openRequests = 0; status = .processing
        case .processed: isFinished = true; status = .processed
        case .stopped: isFinished = true; status = .stopped
        case .withdrawn: isFinished = true; status = .withdrawn
        case .returned: status = .returned
        case .deadlineMissed, .apologyIssued, .homeSupportVisit, .feedback, .voided: break
        }
    }
}

extension Lifecycle {
    /// The lifecycle of a dossier whose effective events are `effective` (in order) after
    /// `version` events in all.
    public init(effective: some Sequence<EffectiveEvent>, version: Int) {
        self.init()
        for event in effective { advance(event.type, at: event.at) }
        self.version = version
    }
}
