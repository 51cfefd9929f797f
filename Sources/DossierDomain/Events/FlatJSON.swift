/// A JSON value of an event line: events are flat objects whose values are strings, numbers,
/// booleans, null, or arrays of strings.
enum FlatJSONValue: Sendable, Hashable {
    case string(String)
    /// The number, and whether it was written as an integer (no fraction or exponent).
    case number(Double, isInteger: Bool)
    case bool(Bool)
    case null
    case strings([String])

    var kind: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        case .strings: "an array"
        }
    }
}

/// The field names of event lines (and of the catalog lines of exports). A line's fields are
/// kept by name in a fixed table, so reading a field is an index, not a search or a hash.
enum FieldName: Int, CaseIterable, Sendable {
    case id, dossier, type, at, actor, unit, note
    case seq, version, recorded, hash, previousHash
    case procedure, channel, onlineLevel, assist, competentUnit, submitted, due
    case toUnit, toActor, stepDue, stepHours
    case reason, items
    case holderUnit, holderActor
    case newDue, responsibleUnit
    case outcome, via, purpose, minutes, rating, complaint, aboutActor
    case target
    case stream, entry

    /// As written in JSON.
    var text: String {
        switch self {
        case .id: "id"
        case .dossier: "dossier"
        case .type: "type"
        case .at: "at"
        case .actor: "actor"
        case .unit: "unit"
        case .note: "note"
        case .seq: "seq"
        case .version: "version"
        case .recorded: "recorded"
        case .hash: "hash"
        case .previousHash: "previous_hash"
        case .procedure: "procedure"
        case .channel: "channel"
        case .onlineLevel: "online_level"
        case .assist: "assist"
        case .competentUnit: "competent_unit"
        case .submitted: "submitted"
        case .due: "due"
        case .toUnit: "to_unit"
        case .toActor: "to_actor"
        case .stepDue: "step_due"
        case .stepHours: "step_hours"
        case .reason: "reason"
        case .items: "items"
        case .holderUnit: "holder_unit"
        case .holderActor: "holder_actor"
        case .newDue: "new_due"
        case .responsibleUnit: "responsible_unit"
        case .outcome: "outcome"
        case .via: "via"
        case .purpose: "purpose"
        case .minutes: "minutes"
        case .rating: "rating"
        case .complaint: "complaint"
        case .aboutActor: "about_actor"
        case .target: "target"
        case .stream: "stream"
        case .entry: "entry"
        }
    }

    /// The names of each length in bytes, as bytes, for ``init(bytes:)``.
    private static let byLength: [[(bytes: [UInt8], name: FieldName)]] = {
        var table = [[(bytes: [UInt8], name: FieldName)]](repeating: [], count: 17)
        for name in allCases { table[name.text.utf8.count].append((Array(name.text.utf8), name)) }
        return table
    }()

    /// The name spelled by `bytes` (no escapes), or nil for any other key.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count < FieldName.byLength.count else { return nil }
        for candidate in FieldName.byLength[bytes.count] where candidate.bytes.elementsEqual(bytes) {
            self = candidate.name
            return
        }
        return nil
    }

    var bit: UInt64 { 1 << UInt64(rawValue) }

    static func mask(_ names: FieldName...) -> UInt64 { names.reduce(0) { $0 | $1.bit } }
}

/// One line's object: the value of each known name, and any other keys in order.
struct FlatObject {
    private var known = InlineArray<39, FlatJSONValue?>(repeating: nil)  // one per FieldName (a test checks the count)
    /// Names present (with any value, null included).
    private(set) var present: UInt64 = 0
    /// Names present with a value other than null.
    private(set) var given: UInt64 = 0
    /// Keys that are not a ``FieldName``, with their values.
    private(set) var others: [(key: String, value: FlatJSONValue)] = []

    /// The value of `name`; nil when it is absent or null.
    subscript(name: FieldName) -> FlatJSONValue? { known[name.rawValue] }

    func has(_ name: FieldName) -> Bool { present & name.bit != 0 }

    mutating func set(_ name: FieldName, _ value: FlatJSONValue) {
        present |= name.bit
        guard value != .null else { return }
        given |= name.bit
        known[name.rawValue] = value
    }

    mutating func append(other key: String, _ value: FlatJSONValue) { others.append((key, value)) }
}

/// A syntax error with the byte offset where it was found.
struct FlatJSONError: Error {
    let message: Phrase
}

/// Parses one line holding one flat JSON object, byte by byte (much faster than a general
/// decoder, and exact about what it refuses: nested objects, duplicate keys, invalid UTF-8,
/// trailing text).
struct FlatJSONParser: ~Copyable {
    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(FlatJSONError) -> FlatObject {
        var parser = FlatJSONParser(bytes)
        return try parser.object()
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0a || b[i] == 0x0d { i += 1 }
    }

    private func fail(_ message: Phrase) -> FlatJSONError {
        FlatJSONError(message: "invalid JSON at character \(i + 1): \(message)")
    }

    private mutating func object() throws(FlatJSONError) -> FlatObject {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { throw fail("an event is a JSON object starting with {") }
        i += 1
        var fields = FlatObject()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a field name in quotes") }
                let key = try self.key()
                let keyText = key.other ?? key.name?.text ?? ""
                if key.name.map(fields.has) ?? fields.others.contains(where: { $0.key == keyText }) {
                    throw FlatJSONError(message: "field `\(keyText)` appears twice")
                }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected : after `\(keyText)`") }
                i += 1
                skipSpace()
                let value = try value(for: keyText)
                if let name = key.name { fields.set(name, value) } else { fields.append(other: keyText, value) }
                skipSpace()
                guard i < b.count else { throw fail("the object is not closed with }") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { throw fail("expected , or } after `\(key)`") }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == b.count else { throw fail("text after the object; one event per line") }
        return fields
    }

    private mutating func value(for key: String) throws(FlatJSONError) -> FlatJSONValue {
        guard i < b.count else { throw fail("missing value for `\(key)`") }
        switch b[i] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "["):
            i += 1
            var items: [String] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .strings(items) }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                    throw FlatJSONError(message: "field `\(key)`: arrays hold strings only")
                }
                items.append(try string())
                skipSpace()
                guard i < b.count else { throw fail("the array `\(key)` is not closed with ]") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { throw fail("expected , or ] in `\(key)`") }
                i += 1
                return .strings(items)
            }
        case UInt8(ascii: "{"):
            throw FlatJSONError(message: "field `\(key)`: nested objects are not part of any event")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            throw fail("`\(key)` has no valid JSON value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(FlatJSONError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= b.count else { throw fail("invalid literal") }
        for k in 0..<count where b[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
        i += count
    }

    private mutating func number() throws(FlatJSONError) -> FlatJSONValue {
        let start = i
        var isInteger = true
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            return i - s
        }
        let intDigits = digits()
        guard intDigits > 0, !(intDigits > 1 && b[i - intDigits] == UInt8(ascii: "0")) else { throw fail("invalid number") }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            isInteger = false
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            isInteger = false
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
        return .number(value, isInteger: isInteger)
    }

    /// A key: one of the ``FieldName``s (read without making a string), or any other text.
    private mutating func key() throws(FlatJSONError) -> (name: FieldName?, other: String?) {
        var end = i + 1
        while end < b.count, b[end] != UInt8(ascii: "\""), b[end] != UInt8(ascii: "\\"), b[end] >= 0x20 { end += 1 }
        if end < b.count, b[end] == UInt8(ascii: "\""), let name = FieldName(bytes: UnsafeBufferPointer(rebasing: b[(i + 1)..<end])) {
            i = end + 1
            return (name, nil)
        }
        let text = try string()  // with escapes, it may still spell a known name
        var utf8 = text
        return (utf8.withUTF8 { FieldName(bytes: $0) }, text)
    }

    private mutating func string() throws(FlatJSONError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") {
            guard b[i] >= 0x20 else { throw fail("control character inside a string (write it as \\n, \\t or \\u00XX)") }
            i += 1
        }
        guard i < b.count else { throw fail("a string is not closed with \"") }
        if b[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return try validated(UnsafeBufferPointer(rebasing: b[start..<i]))
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
        while true {
            guard i < b.count else { throw fail("a string is not closed with \"") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            guard c >= 0x20 else { throw fail("control character inside a string") }
            if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw fail("unfinished escape") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0c)
            case UInt8(ascii: "n"): bytes.append(0x0a)
            case UInt8(ascii: "r"): bytes.append(0x0d)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { throw fail("lone surrogate in \\u escape") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("lone surrogate in \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                bytes.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(FlatJSONError) in try validated(buffer) }
    }

    private mutating func hex4() throws(FlatJSONError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 97...102: digit = UInt32(c - 87)
            case 65...70: digit = UInt32(c - 55)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    private func validated(_ bytes: UnsafeBufferPointer<UInt8>) throws(FlatJSONError) -> String {
        // Most fields are ASCII: check that cheaply, and only validate other text as UTF-8.
        var ascii = true
        for byte in bytes where byte >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FlatJSONError(message: "text is not valid UTF-8") }
        return text
    }
}
