/// Why an event was refused: the input line (for files), the event id, the field and the rule,
/// in words an operator understands.
public struct EventRejection: PhrasedError, Sendable, Hashable {
    public var line: Int?
    public var eventID: String?
    public var field: String?
    public var rule: Phrase

    public init(line: Int? = nil, eventID: String? = nil, field: String? = nil, rule: Phrase) {
        self.line = line
        self.eventID = eventID
        self.field = field
        self.rule = rule
    }

    /// "line 3: event e-17: field `at`: is required".
    public var phrase: Phrase {
        var parts: [Phrase] = []
        if let line { parts.append("line \(line)") }
        if let eventID { parts.append("event \(eventID)") }
        if let field { parts.append("field `\(field)`") }
        parts.append(rule)
        return .joined(parts, separator: ": ")
    }
}
