extension DossierEvent {
    /// The event as one JSON Lines line (without the newline), fields in the order of events.md,
    /// instants in local time (+07:00), and the export fields last when given.
    public func jsonLine(exported: ExportedFields? = nil) -> String {
        var out = JSONObjectWriter()
        out.field("id", id)
        out.field("dossier", dossier)
        out.field("type", type.rawValue)
        out.field("at", at.description)
        out.field("actor", actor)
        out.field("unit", unit)
        if let note { out.field("note", note) }
        switch body {
        case .received(let r):
            out.field("procedure", r.procedure)
            out.field("channel", r.channel.rawValue)
            if let v = r.onlineLevel { out.field("online_level", v.rawValue) }
            if let v = r.assist { out.field("assist", v.rawValue) }
            if let v = r.competentUnit { out.field("competent_unit", v) }
            if let v = r.submitted { out.field("submitted", v.description) }
            if let v = r.due { out.field("due", v.description) }
        case .forwarded(let f):
            out.field("to_unit", f.toUnit)
            if let v = f.toActor { out.field("to_actor", v) }
            if let v = f.stepDue { out.field("step_due", v.description) }
            if let v = f.stepHours { out.raw("step_hours", formatNumber(v)) }
        case .supplementRequested(let s):
            out.field("reason", s.reason)
            if let items = s.items { out.raw("items", "[" + items.map(jsonString).joined(separator: ",") + "]") }
        case .supplementReceived, .withdrawn:
            break
        case .deadlineMissed(let d):
            out.field("due", d.due.description)
            out.field("holder_unit", d.holderUnit)
            if let v = d.holderActor { out.field("holder_actor", v) }
        case .apologyIssued(let a):
            out.field("new_due", a.newDue.description)
            out.field("reason", a.reason)
            if let v = a.responsibleUnit { out.field("responsible_unit", v) }
        case .processed(let p):
            out.field("outcome", p.outcome.rawValue)
        case .returned(let r):
            out.field("via", r.via.rawValue)
        case .stopped(let s):
            out.field("reason", s.reason)
        case .homeSupportVisit(let h):
            out.field("purpose", h.purpose.rawValue)
            if let v = h.minutes { out.raw("minutes", String(v)) }
        case .feedback(let f):
            out.field("rating", f.rating.rawValue)
            if let v = f.complaint { out.raw("complaint", v ? "true" : "false") }
            if let v = f.aboutActor { out.field("about_actor", v) }
        case .voided(let v):
            out.field("target", v.target)
            out.field("reason", v.reason)
        }
        if let exported {
            out.raw("seq", String(exported.seq))
            out.raw("version", String(exported.version))
            out.field("recorded", exported.recorded.utcDescription)
            out.field("hash", exported.hash)
            if let previous = exported.previousHash { out.field("previous_hash", previous) }
        }
        return out.finish()
    }
}

private func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return value.description
}

struct JSONObjectWriter {
    private var text = "{"

    mutating func field(_ name: String, _ value: String) { raw(name, jsonString(value)) }

    mutating func raw(_ name: String, _ json: String) {
        if text.count > 1 { text += "," }
        text += "\"\(name)\":" + json
    }

    mutating func finish() -> String { text + "}" }
}

/// `value` as a JSON string literal: quotes, backslashes and control characters escaped.
public func jsonString(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            out += "\\u00" + pad(String(scalar.value, radix: 16), 2)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension Instant {
    /// RFC 3339 in UTC with six fractional digits, `2026-11-29T05:03:06.260465Z`: the form of
    /// `recorded` in exports.
    public var utcDescription: String {
        let days = microseconds.floorDivided(by: Instant.microsecondsPerDay)
        let micro = microseconds.floorModulo(Instant.microsecondsPerDay)
        let seconds = micro / 1_000_000
        return "\(LocalDate(daysSinceEpoch: Int(days)))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(micro % 1_000_000, 6))Z"
    }
}
