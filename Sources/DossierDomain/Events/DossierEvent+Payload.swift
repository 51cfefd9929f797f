/// The canonical binary encoding of an event's payload: everything but its id, dossier and type,
/// which the store's record carries. The same event always encodes to the same bytes, so the
/// hash chain covers it; see `PayloadFormat.md`.
extension DossierEvent {
    /// The payload format byte.
    public static let payloadFormat: UInt8 = 1

    public func encodedPayload() -> [UInt8] {
        var w = PayloadWriter()
        w.byte(DossierEvent.payloadFormat)
        w.instant(at)
        w.string(actor)
        w.string(unit)
        w.optional(note) { w, s in w.string(s) }
        switch body {
        case .received(let r):
            w.string(r.procedure)
            w.choice(r.channel)
            w.optional(r.onlineLevel) { w, v in w.choice(v) }
            w.optional(r.assist) { w, v in w.choice(v) }
            w.optional(r.competentUnit) { w, v in w.string(v) }
            w.optional(r.submitted) { w, v in w.instant(v) }
            w.optional(r.due) { w, v in w.instant(v) }
        case .forwarded(let f):
            w.string(f.toUnit)
            w.optional(f.toActor) { w, v in w.string(v) }
            w.optional(f.stepDue) { w, v in w.instant(v) }
            w.optional(f.stepHours) { w, v in w.uint64(v.bitPattern) }
        case .supplementRequested(let s):
            w.string(s.reason)
            w.optional(s.items) { w, items in
                w.uint16(UInt16(items.count))
                for item in items { w.string(item) }
            }
        case .supplementReceived, .withdrawn:
            break
        case .deadlineMissed(let d):
            w.instant(d.due)
            w.string(d.holderUnit)
            w.optional(d.holderActor) { w, v in w.string(v) }
        case .apologyIssued(let a):
            w.instant(a.newDue)
            w.string(a.reason)
            w.optional(a.responsibleUnit) { w, v in w.string(v) }
        case .processed(let p):
            w.choice(p.outcome)
        case .returned(let r):
            w.choice(r.via)
        case .stopped(let s):
            w.string(s.reason)
        case .homeSupportVisit(let h):
            w.choice(h.purpose)
            w.optional(h.minutes) { w, v in w.uint64(UInt64(v)) }
        case .feedback(let f):
            w.choice(f.rating)
            w.optional(f.complaint) { w, v in w.byte(v ? 1 : 0) }
            w.optional(f.aboutActor) { w, v in w.string(v) }
        case .voided(let v):
            w.string(v.target)
            w.string(v.reason)
        }
        return w.bytes
    }

    /// Decodes a stored event.
    /// - Throws: ``PayloadError`` naming the event when the bytes do not decode.
    public init(id: String, dossier: String, wireName: String, payload: UnsafeRawBufferPointer) throws(PayloadError) {
        guard let type = EventType(wireName: wireName) else { throw PayloadError(eventID: id, reason: "unknown event type \(wireName)") }
        var r = PayloadReader(bytes: payload, eventID: id)
        guard try r.byte() == DossierEvent.payloadFormat else { throw PayloadError(eventID: id, reason: "unknown payload format") }
        let at = try r.instant()
        let actor = try r.string(), unit = try r.string()
        let note = try r.optional { r throws(PayloadError) in try r.string() }
        let body: EventBody
        switch type {
        case .received:
            body = .received(Received(
                procedure: try r.string(), channel: try r.choice(Channel.self),
                onlineLevel: try r.optional { r throws(PayloadError) in try r.choice(OnlineLevel.self) },
                assist: try r.optional { r throws(PayloadError) in try r.choice(Assist.self) },
                competentUnit: try r.optional { r throws(PayloadError) in try r.string() },
                submitted: try r.optional { r throws(PayloadError) in try r.instant() },
                due: try r.optional { r throws(PayloadError) in try r.instant() }))
        case .forwarded:
            body = .forwarded(Forwarded(
                toUnit: try r.string(),
                toActor: try r.optional { r throws(PayloadError) in try r.string() },
                stepDue: try r.optional { r throws(PayloadError) in try r.instant() },
                stepHours: try r.optional { r throws(PayloadError) in Double(bitPattern: try r.uint64()) }))
        case .supplementRequested:
            body = .supplementRequested(SupplementRequested(
                reason: try r.string(),
                items: try r.optional { r throws(PayloadError) in
                    let count = Int(try r.uint16())
                    var items: [String] = []
                    for _ in 0..<count { items.append(try r.string()) }
                    return items
                }))
        case .supplementReceived:
            body = .supplementReceived
        case .deadlineMissed:
            body = .deadlineMissed(DeadlineMissed(due: try r.instant(), holderUnit: try r.string(),
                                                  holderActor: try r.optional { r throws(PayloadError) in try r.string() }))
        case .apologyIssued:
            body = .apologyIssued(ApologyIssued(newDue: try r.instant(), reason: try r.string(),
                                                responsibleUnit: try r.optional { r throws(PayloadError) in try r.string() }))
        case .processed:
            body = .processed(Processed(outcome: try r.choice(Outcome.self)))
        case .returned:
            body = .returned(Returned(via: try r.choice(ReturnChannel.self)))
        case .withdrawn:
            body = .withdrawn
        case .stopped:
            body = .stopped(Stopped(reason: try r.string()))
        case .homeSupportVisit:
            body = .homeSupportVisit(HomeSupportVisit(purpose: try r.choice(VisitPurpose.self),
                                                      minutes: try r.optional { r throws(PayloadError) -> Int in
                                                          let minutes = try r.uint64()
                                                          guard minutes <= 100_000 else { throw PayloadError(eventID: id, reason: "minutes \(minutes) out of range") }
                                                          return Int(minutes)
                                                      }))
        case .feedback:
            body = .feedback(Feedback(rating: try r.choice(Rating.self),
                                      complaint: try r.optional { r throws(PayloadError) in try r.flag() },
                                      aboutActor: try r.optional { r throws(PayloadError) in try r.string() }))
        case .voided:
            body = .voided(Voided(target: try r.string(), reason: try r.string()))
        }
        guard r.atEnd else { throw PayloadError(eventID: id, reason: "bytes left after the payload") }
        self.init(id: id, dossier: dossier, at: at, actor: actor, unit: unit, note: note, body: body)
    }
}

/// A stored payload that does not decode.
public struct PayloadError: PhrasedError, Sendable, Hashable {
    public let eventID: String
    public let reason: Phrase
    public var phrase: Phrase { "event \(eventID): stored payload cannot be decoded: \(reason)" }
}

struct PayloadWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(128) }

    mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func uint16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xff)) }
    mutating func uint64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func instant(_ i: Instant) { uint64(UInt64(bitPattern: i.microseconds)) }
    mutating func string(_ s: String) {
        uint16(UInt16(clamping: s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    /// Enumerations are stored as their index in `allCases`: cases are only ever appended.
    mutating func choice<E: PayloadChoice>(_ value: E) {
        byte(UInt8(E.ordered.firstIndex(of: value) ?? 0))
    }
    mutating func optional<T>(_ value: T?, _ write: (inout PayloadWriter, T) -> Void) {
        if let value { byte(1); write(&self, value) } else { byte(0) }
    }
}

struct PayloadReader {
    let bytes: UnsafeRawBufferPointer
    let eventID: String
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    private func fail() -> PayloadError { PayloadError(eventID: eventID, reason: "truncated or malformed at byte \(offset)") }

    mutating func byte() throws(PayloadError) -> UInt8 {
        guard offset < bytes.count else { throw fail() }
        defer { offset += 1 }
        return bytes[offset]
    }
    /// A boolean: exactly 0 or 1 (the encoding is canonical: one value, one form).
    mutating func flag() throws(PayloadError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw fail()
        }
    }
    mutating func uint16() throws(PayloadError) -> UInt16 { UInt16(try byte()) << 8 | UInt16(try byte()) }
    mutating func uint64() throws(PayloadError) -> UInt64 {
        var v: UInt64 = 0
        for _ in 0..<8 { v = v << 8 | UInt64(try byte()) }
        return v
    }
    mutating func instant() throws(PayloadError) -> Instant { Instant(microsecondsSinceEpoch: Int64(bitPattern: try uint64())) }
    mutating func string() throws(PayloadError) -> String {
        let count = Int(try uint16())
        guard offset + count <= bytes.count else { throw fail() }
        defer { offset += count }
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]), as: UTF8.self) else { throw fail() }
        return s
    }
    mutating func choice<E: PayloadChoice>(_: E.Type) throws(PayloadError) -> E {
        let index = Int(try byte())
        guard index < E.ordered.count else { throw fail() }
        return E.ordered[index]
    }
    mutating func optional<T>(_ read: (inout PayloadReader) throws(PayloadError) -> T) throws(PayloadError) -> T? {
        switch try byte() {
        case 0: return nil
        case 1: return try read(&self)
        default: throw fail()
        }
    }
}

/// An enumeration stored in payloads by its position in `allCases` (kept in an array once).
protocol PayloadChoice: CaseIterable, Equatable {
    static var ordered: [Self] { get }
}

extension Channel: PayloadChoice { static let ordered = allCases }
extension OnlineLevel: PayloadChoice { static let ordered = allCases }
extension Assist: PayloadChoice { static let ordered = allCases }
extension Outcome: PayloadChoice { static let ordered = allCases }
extension ReturnChannel: PayloadChoice { static let ordered = allCases }
extension VisitPurpose: PayloadChoice { static let ordered = allCases }
extension Rating: PayloadChoice { static let ordered = allCases }
