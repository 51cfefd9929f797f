/// Why an event was refused: the input line (for files), the event id, the field and the rule,
/// in words an operator understands.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int?
    public var eventID: String?
    public var field: String?
    public var rule: String

    public init(line: Int? = nil, eventID: String? = nil, field: String? = nil, rule: String) {
        self.line = line
        self.eventID = eventID
        self.field = field
        self.rule = rule
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let eventID { parts.append("event \(eventID)") }
        if let field { parts.append("field `\(field)`") }
        parts.append(rule)
        return parts.joined(separator: ": ")
    }
}
