/// One action on a dossier: the envelope of events.md and the type's own fields.
///
/// The log holds facts only; dues, lateness and rates are computed from them by the fold.
public struct DossierEvent: Sendable, Hashable {
    /// Globally unique; the idempotency key. 1–64 of `A-Z a-z 0-9 . _ : -`.
    public var id: String
    /// The dossier code (mã hồ sơ): 1–64 printable ASCII characters, no spaces.
    public var dossier: String
    /// When the action happened.
    public var at: Instant
    /// Officer id, or `citizen`, `system`, `postal`.
    public var actor: String
    /// Code of the unit where the action happened.
    public var unit: String
    public var note: String?
    public var body: EventBody

    public init(id: String, dossier: String, at: Instant, actor: String, unit: String, note: String? = nil, body: EventBody) {
        self.id = id
        self.dossier = dossier
        self.at = at
        self.actor = actor
        self.unit = unit
        self.note = note
        self.body = body
    }

    public var type: EventType { body.type }
}

/// The event types of events.md, with their JSON names and their stable stored wire names.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    case received
    case forwarded
    case supplementRequested = "supplement_requested"
    case supplementReceived = "supplement_received"
    case deadlineMissed = "deadline_missed"
    case apologyIssued = "apology_issued"
    case processed
    case returned
    case withdrawn
    case stopped
    case homeSupportVisit = "home_support_visit"
    case feedback
    case voided

    /// The name in the store, versioned: `dossier.received.v1`. Never derived from Swift names
    /// at run time, never changed; a new shape of an event gets `.v2`.
    public var wireName: String {
        // Literals, so that naming the type of each stored event allocates nothing.
        switch self {
        case .received: "dossier.received.v1"
        case .forwarded: "dossier.forwarded.v1"
        case .supplementRequested: "dossier.supplement_requested.v1"
        case .supplementReceived: "dossier.supplement_received.v1"
        case .deadlineMissed: "dossier.deadline_missed.v1"
        case .apologyIssued: "dossier.apology_issued.v1"
        case .processed: "dossier.processed.v1"
        case .returned: "dossier.returned.v1"
        case .withdrawn: "dossier.withdrawn.v1"
        case .stopped: "dossier.stopped.v1"
        case .homeSupportVisit: "dossier.home_support_visit.v1"
        case .feedback: "dossier.feedback.v1"
        case .voided: "dossier.voided.v1"
        }
    }

    public init?(wireName: String) {
        guard let type = EventType.byWireName[wireName] else { return nil }
        self = type
    }

    /// Every wire name, looked up once per stored event on replays.
    private static let byWireName = Dictionary(uniqueKeysWithValues: allCases.map { ($0.wireName, $0) })
}

/// The type and the type's own fields.
public enum EventBody: Sendable, Hashable {
    case received(Received)
    case forwarded(Forwarded)
    case supplementRequested(SupplementRequested)
    case supplementReceived
    case deadlineMissed(DeadlineMissed)
    case apologyIssued(ApologyIssued)
    case processed(Processed)
    case returned(Returned)
    case withdrawn
    case stopped(Stopped)
    case homeSupportVisit(HomeSupportVisit)
    case feedback(Feedback)
    case voided(Voided)

    public var type: EventType {
        switch self {
        case .received: .received
        case .forwarded: .forwarded
        case .supplementRequested: .supplementRequested
        case .supplementReceived: .supplementReceived
        case .deadlineMissed: .deadlineMissed
        case .apologyIssued: .apologyIssued
        case .processed: .processed
        case .returned: .returned
        case .withdrawn: .withdrawn
        case .stopped: .stopped
        case .homeSupportVisit: .homeSupportVisit
        case .feedback: .feedback
        case .voided: .voided
        }
    }
}

public enum Channel: String, Sendable, Hashable, CaseIterable { case direct, online, postal }
public enum OnlineLevel: String, Sendable, Hashable, CaseIterable { case partial, full }
public enum Assist: String, Sendable, Hashable, CaseIterable { case none, scribe, homeVisit = "home_visit", kiosk, mobile }
public enum Outcome: String, Sendable, Hashable, CaseIterable { case approved, refused }
public enum ReturnChannel: String, Sendable, Hashable, CaseIterable { case desk, postal, online }
public enum VisitPurpose: String, Sendable, Hashable, CaseIterable { case guidance, receive, deliver }
public enum Rating: String, Sendable, Hashable, CaseIterable { case satisfied, neutral, dissatisfied }

/// Valid receipt: form 01 issued, the clock starts.
public struct Received: Sendable, Hashable {
    public var procedure: String
    public var channel: Channel
    /// Required when `channel` is `online`, absent otherwise.
    public var onlineLevel: OnlineLevel?
    /// Absent means `none`.
    public var assist: Assist?
    /// Absent means the event's `unit`.
    public var competentUnit: String?
    /// When the applicant submitted, at or before `at`.
    public var submitted: Instant?
    /// The appointment printed on form 01 upstream; absent: computed.
    public var due: Instant?

    public init(procedure: String, channel: Channel, onlineLevel: OnlineLevel? = nil, assist: Assist? = nil,
                competentUnit: String? = nil, submitted: Instant? = nil, due: Instant? = nil) {
        self.procedure = procedure
        self.channel = channel
        self.onlineLevel = onlineLevel
        self.assist = assist
        self.competentUnit = competentUnit
        self.submitted = submitted
        self.due = due
    }
}

/// Custody passes on; a new step starts.
public struct Forwarded: Sendable, Hashable {
    public var toUnit: String
    public var toActor: String?
    /// The new step's deadline, or its length in working hours; neither: no deadline of its own.
    public var stepDue: Instant?
    public var stepHours: Double?

    public init(toUnit: String, toActor: String? = nil, stepDue: Instant? = nil, stepHours: Double? = nil) {
        self.toUnit = toUnit
        self.toActor = toActor
        self.stepDue = stepDue
        self.stepHours = stepHours
    }
}

/// Waiting for the applicant (form 02).
public struct SupplementRequested: Sendable, Hashable {
    public var reason: String
    public var items: [String]?

    public init(reason: String, items: [String]? = nil) {
        self.reason = reason
        self.items = items
    }
}

/// Recorded by the sweep: a legal due passed before the dossier was processed.
public struct DeadlineMissed: Sendable, Hashable {
    public var due: Instant
    public var holderUnit: String
    public var holderActor: String?

    public init(due: Instant, holderUnit: String, holderActor: String? = nil) {
        self.due = due
        self.holderUnit = holderUnit
        self.holderActor = holderActor
    }
}

/// An apology and a new appointment (form 04).
public struct ApologyIssued: Sendable, Hashable {
    public var newDue: Instant
    public var reason: String
    /// Absent means the event's `unit`.
    public var responsibleUnit: String?

    public init(newDue: Instant, reason: String, responsibleUnit: String? = nil) {
        self.newDue = newDue
        self.reason = reason
        self.responsibleUnit = responsibleUnit
    }
}

/// The result is ready; on-time is judged here.
public struct Processed: Sendable, Hashable {
    public var outcome: Outcome
    public init(outcome: Outcome) { self.outcome = outcome }
}

/// The result is handed over.
public struct Returned: Sendable, Hashable {
    public var via: ReturnChannel
    public init(via: ReturnChannel) { self.via = via }
}

public struct Stopped: Sendable, Hashable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public struct HomeSupportVisit: Sendable, Hashable {
    public var purpose: VisitPurpose
    public var minutes: Int?

    public init(purpose: VisitPurpose, minutes: Int? = nil) {
        self.purpose = purpose
        self.minutes = minutes
    }
}

public struct Feedback: Sendable, Hashable {
    public var rating: Rating
    /// A complaint of nuisance (gây phiền hà). Absent means `false`.
    public var complaint: Bool?
    public var aboutActor: String?

    public init(rating: Rating, complaint: Bool? = nil, aboutActor: String? = nil) {
        self.rating = rating
        self.complaint = complaint
        self.aboutActor = aboutActor
    }
}

/// A correction (events.md, "Corrections"): the event `target` of the same dossier was recorded
/// by mistake. Both stay in the log; the dossier's state is the fold of its effective events.
public struct Voided: Sendable, Hashable {
    /// The id of the event it voids: the dossier's latest effective event other than `deadline_missed`.
    public var target: String
    public var reason: String

    public init(target: String, reason: String) {
        self.target = target
        self.reason = reason
    }
}
