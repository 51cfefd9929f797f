/// The fields an export adds to each line; a replica import reproduces them exactly.
public struct ExportedFields: Sendable, Hashable {
    public var seq: UInt64
    public var version: UInt64
    /// Microseconds since the Unix epoch, UTC.
    public var recorded: Instant
    /// 64 hexadecimal digits.
    public var hash: String
    /// The hash of the event at seq − 1 (64 zeros for seq 1), carried by exports of part of the
    /// log (one dossier, a seq range), so that each record recomputes to its hash without the
    /// events between (integrity.md, "One dossier's export").
    public var previousHash: String?

    public init(seq: UInt64, version: UInt64, recorded: Instant, hash: String, previousHash: String? = nil) {
        self.seq = seq
        self.version = version
        self.recorded = recorded
        self.hash = hash
        self.previousHash = previousHash
    }
}

/// One parsed line of a JSON Lines file.
public struct ParsedLine: Sendable, Hashable {
    public var event: DossierEvent
    /// Present when the line came from an export (all four of seq, version, recorded, hash).
    public var exported: ExportedFields?
}

extension DossierEvent {
    private static let envelopeFields = FieldName.mask(.id, .dossier, .type, .at, .actor, .unit, .note)
    private static let exportFields = FieldName.mask(.seq, .version, .recorded, .hash)
    /// The fields allowed in each type's lines, as masks of ``FieldName/bit``.
    private static let allowedFields: [EventType: UInt64] = {
        let typeFields: [EventType: UInt64] = [
            .received: FieldName.mask(.procedure, .channel, .onlineLevel, .assist, .competentUnit, .submitted, .due),
            .forwarded: FieldName.mask(.toUnit, .toActor, .stepDue, .stepHours),
            .supplementRequested: FieldName.mask(.reason, .items),
            .supplementReceived: 0,
            .deadlineMissed: FieldName.mask(.due, .holderUnit, .holderActor),
            .apologyIssued: FieldName.mask(.newDue, .reason, .responsibleUnit),
            .processed: FieldName.mask(.outcome),
            .returned: FieldName.mask(.via),
            .withdrawn: 0,
            .stopped: FieldName.mask(.reason),
            .homeSupportVisit: FieldName.mask(.purpose, .minutes),
            .feedback: FieldName.mask(.rating, .complaint, .aboutActor),
            .voided: FieldName.mask(.target, .reason),
        ]
        return typeFields.mapValues { envelopeFields | exportFields | FieldName.mask(.previousHash) | $0 }
    }()

    /// Parses and checks one JSON Lines line (events.md, validation rule 1): JSON syntax, required
    /// fields, types, enumerations, timestamps with offsets, and no unknown fields.
    ///
    /// - Throws: ``EventRejection`` naming the line, the event id (once known), the field and the rule.
    public static func parse(line bytes: UnsafeBufferPointer<UInt8>, number: Int? = nil) throws(EventRejection) -> ParsedLine {
        try Fields(line: number, parsing: bytes).event()
    }

    /// Parses a line given as a string (tests, the CLI's single-event append).
    public static func parse(_ text: String, number: Int? = nil) throws(EventRejection) -> ParsedLine {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(EventRejection) in try parse(line: bytes, number: number) } }.get()
    }

    /// The reader of one line's fields, which knows where it is for its errors (also used for
    /// the catalog lines of exports).
    struct Fields {
        let values: FlatObject
        let line: Int?
        var eventID: String?

        /// The fields of one line; a syntax error is a rejection at `line`.
        init(line: Int?, parsing bytes: UnsafeBufferPointer<UInt8>) throws(EventRejection) {
            self.line = line
            do { values = try FlatJSONParser.parse(bytes) } catch { throw EventRejection(line: line, rule: error.message) }
            if case .string(let id)? = values[.id] { eventID = id }
        }

        func reject(_ field: String?, _ rule: Phrase) -> EventRejection {
            EventRejection(line: line, eventID: eventID, field: field, rule: rule)
        }

        func reject(_ field: FieldName, _ rule: Phrase) -> EventRejection { reject(field.text, rule) }

        func optionalString(_ name: FieldName) throws(EventRejection) -> String? {
            switch values[name] {
            case nil: return nil
            case .string(let s): return s
            case let other?: throw reject(name, "must be a string, got \(other.kind)")
            }
        }

        func string(_ name: FieldName) throws(EventRejection) -> String {
            guard let value = try optionalString(name) else { throw reject(name, "is required") }
            guard !value.isEmpty else { throw reject(name, "must not be empty") }
            guard fits(value, 0...1000) else { throw reject(name, "must be at most 1,000 characters") }
            return value
        }

        func limited(_ name: FieldName, _ range: ClosedRange<Int>, required: Bool) throws(EventRejection) -> String? {
            guard let value = required ? try string(name) : try optionalString(name) else { return nil }
            guard fits(value, range) else {
                throw reject(name, "must be \(range.lowerBound) to \(range.upperBound) characters, got \(value.count)")
            }
            return value
        }

        func instant(_ name: FieldName, required: Bool = false) throws(EventRejection) -> Instant? {
            guard let text = required ? try string(name) : try optionalString(name) else { return nil }
            do { return try Instant(rfc3339: text) } catch { throw reject(name, "\"\(text)\" \(error)") }
        }

        func choice<E: RawRepresentable & CaseIterable>(_ name: FieldName, _: E.Type, required: Bool) throws(EventRejection) -> E?
        where E.RawValue == String {
            guard let text = required ? try string(name) : try optionalString(name) else { return nil }
            guard let value = E(rawValue: text) else {
                throw reject(name, "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            return value
        }

        func number(_ name: FieldName) throws(EventRejection) -> (Double, isInteger: Bool)? {
            switch values[name] {
            case nil: return nil
            case .number(let value, let isInteger): return (value, isInteger)
            case let other?: throw reject(name, "must be a number, got \(other.kind)")
            }
        }

        func exported() throws(EventRejection) -> ExportedFields? {
            let present = (values.given & DossierEvent.exportFields).nonzeroBitCount
            guard present > 0 else { return nil }
            // Partial export fields are accepted and ignored, as the spec says of all four.
            guard present == 4,
                  let seq = try number(.seq), seq.isInteger, seq.0 >= 1,
                  let version = try number(.version), version.isInteger, version.0 >= 1,
                  let recorded = try instant(.recorded),
                  let hash = try optionalString(.hash) else { return nil }
            return ExportedFields(seq: UInt64(seq.0), version: UInt64(version.0), recorded: recorded, hash: hash,
                                  previousHash: try optionalString(.previousHash))
        }

        func event() throws(EventRejection) -> ParsedLine {
            guard let id = try optionalString(.id) else { throw reject(.id, "is required") }
            guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy(DossierEvent.isIDByte) else {
                throw reject(.id, "must be 1 to 64 of A-Z a-z 0-9 . _ : -")
            }
            let dossier = try string(.dossier)
            guard dossier.utf8.count <= 64, dossier.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
                throw reject(.dossier, "must be 1 to 64 printable ASCII characters without spaces")
            }
            let typeName = try string(.type)
            guard let type = EventType(rawValue: typeName) else {
                throw reject(.type, "unknown type \"\(typeName)\"; one of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let allowed = DossierEvent.allowedFields[type] ?? 0
            if values.given & ~allowed != 0 || values.others.contains(where: { $0.value != .null }) {
                let unknown = FieldName.allCases.filter { values.given & ~allowed & $0.bit != 0 }.map(\.text)
                    + values.others.filter { $0.value != .null }.map(\.key)
                if let first = unknown.sorted().first {
                    throw reject(first, "is not a field of a \(typeName) event (a typo must not vanish from an audit log)")
                }
            }
            guard let at = try instant(.at, required: true) else { throw reject(.at, "is required") }
            let actor = try limited(.actor, 1...64, required: true) ?? ""
            let unit = try limited(.unit, 1...64, required: true) ?? ""
            let note = try limited(.note, 0...1000, required: false)
            let body = try self.body(type, at: at, actor: actor, id: id)
            return ParsedLine(event: DossierEvent(id: id, dossier: dossier, at: at, actor: actor, unit: unit, note: note, body: body),
                              exported: try exported())
        }

        func body(_ type: EventType, at: Instant, actor: String, id: String) throws(EventRejection) -> EventBody {
            switch type {
            case .received:
                let channel = try choice(.channel, Channel.self, required: true) ?? .direct
                let level = try choice(.onlineLevel, OnlineLevel.self, required: false)
                if channel == .online && level == nil { throw reject(.onlineLevel, "is required when channel is online") }
                if channel != .online && level != nil { throw reject(.onlineLevel, "is only for channel online") }
                let submitted = try instant(.submitted)
                if let submitted, submitted > at { throw reject(.submitted, "must be at or before `at`") }
                let due = try instant(.due)
                if let due, due <= at { throw reject(.due, "must be after `at` (the appointment follows receipt)") }
                return .received(Received(
                    procedure: try string(.procedure), channel: channel, onlineLevel: level,
                    assist: try choice(.assist, Assist.self, required: false),
                    competentUnit: try limited(.competentUnit, 1...64, required: false),
                    submitted: submitted, due: due))
            case .forwarded:
                let stepDue = try instant(.stepDue)
                var stepHours: Double?
                if let (hours, _) = try number(.stepHours) {
                    guard hours > 0 else { throw reject(.stepHours, "must be a number of working hours greater than 0") }
                    stepHours = hours
                }
                if stepDue != nil && stepHours != nil { throw reject(.stepHours, "give step_due or step_hours, not both") }
                if let stepDue, stepDue <= at { throw reject(.stepDue, "must be after `at`") }
                return .forwarded(Forwarded(toUnit: try limited(.toUnit, 1...64, required: true) ?? "",
                                            toActor: try limited(.toActor, 1...64, required: false),
                                            stepDue: stepDue, stepHours: stepHours))
            case .supplementRequested:
                var items: [String]?
                switch values[.items] {
                case nil: break
                case .strings(let list):
                    guard list.count <= 1000, list.allSatisfy({ fits($0, 0...1000) }) else {
                        throw reject(.items, "at most 1,000 items of at most 1,000 characters each")
                    }
                    items = list
                case let other?: throw reject(.items, "must be a list of strings, got \(other.kind)")
                }
                return .supplementRequested(SupplementRequested(reason: try string(.reason), items: items))
            case .supplementReceived:
                return .supplementReceived
            case .deadlineMissed:
                return .deadlineMissed(DeadlineMissed(
                    due: try instant(.due, required: true) ?? at,
                    holderUnit: try limited(.holderUnit, 1...64, required: true) ?? "",
                    holderActor: try limited(.holderActor, 1...64, required: false)))
            case .apologyIssued:
                let newDue = try instant(.newDue, required: true) ?? at
                guard newDue > at else { throw reject(.newDue, "must be later than `at`") }
                return .apologyIssued(ApologyIssued(newDue: newDue, reason: try string(.reason),
                                                    responsibleUnit: try limited(.responsibleUnit, 1...64, required: false)))
            case .processed:
                return .processed(Processed(outcome: try choice(.outcome, Outcome.self, required: true) ?? .approved))
            case .returned:
                return .returned(Returned(via: try choice(.via, ReturnChannel.self, required: true) ?? .desk))
            case .withdrawn:
                return .withdrawn
            case .stopped:
                return .stopped(Stopped(reason: try string(.reason)))
            case .homeSupportVisit:
                var minutes: Int?
                if let (value, isInteger) = try number(.minutes) {
                    guard isInteger, value >= 0, value <= 100_000 else { throw reject(.minutes, "must be a whole number of minutes, 0 or more") }
                    minutes = Int(value)
                }
                return .homeSupportVisit(HomeSupportVisit(purpose: try choice(.purpose, VisitPurpose.self, required: true) ?? .guidance,
                                                          minutes: minutes))
            case .feedback:
                var complaint: Bool?
                switch values[.complaint] {
                case nil: break
                case .bool(let flag): complaint = flag
                case let other?: throw reject(.complaint, "must be true or false, got \(other.kind)")
                }
                return .feedback(Feedback(rating: try choice(.rating, Rating.self, required: true) ?? .neutral,
                                          complaint: complaint, aboutActor: try limited(.aboutActor, 1...64, required: false)))
            case .voided:
                let target = try limited(.target, 1...64, required: true) ?? ""
                guard target.utf8.allSatisfy(DossierEvent.isIDByte) else { throw reject(.target, "must be an event id (1–64 of A-Z a-z 0-9 . _ : -)") }
                guard target != id else { throw reject(.target, "an event cannot void itself") }
                guard isOfficer(actor) else {
                    throw reject(.actor, "a correction is made by an officer, not `\(actor)`")
                }
                return .voided(Voided(target: target, reason: try string(.reason)))
            }
        }
    }

    /// Whether `text` has a number of characters in `range`, counting characters only when its
    /// UTF-8 length leaves a doubt (a character is at least one byte).
    static func fits(_ text: String, _ range: ClosedRange<Int>) -> Bool {
        let bytes = text.utf8.count
        if bytes <= range.upperBound && range.lowerBound <= 1 { return range.lowerBound == 0 || bytes > 0 }
        return range.contains(text.count)
    }

    static func isIDByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
