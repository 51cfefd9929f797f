extension DossierEvent {
    /// The event as one JSON Lines line (without the newline), fields in the order of events.md,
    /// instants in local time (+07:00), and the export fields last when given.
    public func jsonLine(exported: ExportedFields? = nil) -> String {
        var bytes: [UInt8] = []
        writeJSONLine(exported: exported, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``jsonLine(exported:)``'s bytes (an export writes millions: no string per line).
    public func writeJSONLine(exported: ExportedFields? = nil, to bytes: inout [UInt8]) {
        JSONObjectWriter.write(to: &bytes) { out in fields(exported: exported, &out) }
    }

    private func fields(exported: ExportedFields?, _ out: inout JSONObjectWriter) {
        out.field("id", id)
        out.field("dossier", dossier)
        out.field("type", type.rawValue)
        out.instant("at", at)
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
            if let v = r.submitted { out.instant("submitted", v) }
            if let v = r.due { out.instant("due", v) }
        case .forwarded(let f):
            out.field("to_unit", f.toUnit)
            if let v = f.toActor { out.field("to_actor", v) }
            if let v = f.stepDue { out.instant("step_due", v) }
            if let v = f.stepHours { out.raw("step_hours", formatNumber(v)) }
        case .supplementRequested(let s):
            out.field("reason", s.reason)
            if let items = s.items { out.raw("items", "[" + items.map(jsonString).joined(separator: ",") + "]") }
        case .supplementReceived, .withdrawn:
            break
        case .deadlineMissed(let d):
            out.instant("due", d.due)
            out.field("holder_unit", d.holderUnit)
            if let v = d.holderActor { out.field("holder_actor", v) }
        case .apologyIssued(let a):
            out.instant("new_due", a.newDue)
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
        if let exported { out.exported(exported) }
    }
}

private func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return value.description
}

/// Writes one JSON object as UTF-8 bytes: names and values appended in place, strings escaped
/// byte by byte (an export writes millions of lines: no intermediate strings).
struct JSONObjectWriter {
    private var bytes: [UInt8]
    private let start: Int

    /// Takes the caller's buffer (leaving it empty, so that the writer's is not copied on append).
    private init(taking buffer: inout [UInt8]) {
        bytes = buffer
        buffer = []
        start = bytes.count
        bytes.append(UInt8(ascii: "{"))
    }

    /// Appends one object to `bytes`, its fields written by `body`.
    static func write(to bytes: inout [UInt8], _ body: (inout JSONObjectWriter) -> Void) {
        var writer = JSONObjectWriter(taking: &bytes)
        body(&writer)
        writer.bytes.append(UInt8(ascii: "}"))
        bytes = writer.bytes
    }

    /// The export fields, last: seq, version, recorded (UTC), hash, and previous_hash when given.
    mutating func exported(_ exported: ExportedFields) {
        integer("seq", exported.seq)
        integer("version", exported.version)
        instant("recorded", exported.recorded, utc: true)
        field("hash", exported.hash)
        if let previous = exported.previousHash { field("previous_hash", previous) }
    }

    mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        appendJSONString(value, to: &bytes)
    }

    /// An instant as a JSON string, local (``Instant/description``) or UTC (``Instant/utcDescription``).
    mutating func instant(_ name: StaticString, _ value: Instant, utc: Bool = false) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.writeRFC3339(utc: utc, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func raw(_ name: StaticString, _ json: String) {
        key(name)
        bytes.append(contentsOf: json.utf8)
    }

    /// A number in decimal digits, written in place.
    mutating func integer(_ name: StaticString, _ value: UInt64) {
        key(name)
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    private mutating func key(_ name: StaticString) {
        if bytes.count > start + 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

}

/// `value` as a JSON string literal: quotes, backslashes and control characters escaped.
public func jsonString(_ value: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(value.utf8.count + 2)
    appendJSONString(value, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Appends `value` as a JSON string literal; bytes that need no escape (all but `"`, `\` and
/// controls; UTF-8 of other scalars included) are copied as they are.
func appendJSONString(_ value: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    var value = value
    value.withUTF8 { utf8 in
        var start = 0
        for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0a: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            default: bytes.append(contentsOf: Array("\\u00\(pad(String(byte, radix: 16), 2))".utf8))
            }
            start = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
    bytes.append(UInt8(ascii: "\""))
}

extension Instant {
    /// RFC 3339 in UTC with six fractional digits, `2026-11-29T05:03:06.260465Z`: the form of
    /// `recorded` in exports.
    public var utcDescription: String {
        var bytes: [UInt8] = []
        writeRFC3339(utc: true, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
