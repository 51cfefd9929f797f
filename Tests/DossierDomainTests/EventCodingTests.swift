import DossierDomain
import PropertyBased
import Testing

/// A deterministic generator of arbitrary valid events, from a seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func arbitraryEvent(_ seed: UInt64) -> DossierEvent {
    var rng = SplitMix(state: seed)
    func text(_ max: Int = 12) -> String {
        let alphabet = Array("abcXYZ019 .-_\"\\/\nđươngHồSơ😀\t")
        return String((0..<Int.random(in: 1...max, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
    func code() -> String { "u\(Int.random(in: 1...999, using: &rng))" }
    func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
    let at = t("2025-01-01 00:00") + Int64.random(in: 0...(500 * 86_400_000_000), using: &rng)
    func later() -> Instant { at + Int64.random(in: 1...(30 * 86_400_000_000), using: &rng) }
    let bodies: [() -> EventBody] = [
        {
            let channel = Channel.allCases.randomElement(using: &rng)!
            return .received(Received(procedure: "1.00\(Int.random(in: 1000...9999, using: &rng))", channel: channel,
                                      onlineLevel: channel == .online ? OnlineLevel.allCases.randomElement(using: &rng)! : nil,
                                      assist: maybe { Assist.allCases.randomElement(using: &rng)! }, competentUnit: maybe(code),
                                      submitted: maybe { at + -Int64.random(in: 0...86_400_000_000, using: &rng) }, due: maybe(later)))
        },
        {
            let hours = Bool.random(using: &rng)
            return .forwarded(Forwarded(toUnit: code(), toActor: maybe { text() },
                                        stepDue: hours ? nil : maybe(later),
                                        stepHours: hours ? Double(Int.random(in: 1...64, using: &rng)) / 4 : nil))
        },
        { .supplementRequested(SupplementRequested(reason: text(40), items: maybe { (0..<Int.random(in: 0...3, using: &rng)).map { _ in text() } })) },
        { .supplementReceived },
        { .deadlineMissed(DeadlineMissed(due: later(), holderUnit: code(), holderActor: maybe { text() })) },
        { .apologyIssued(ApologyIssued(newDue: later(), reason: text(), responsibleUnit: maybe(code))) },
        { .processed(Processed(outcome: Outcome.allCases.randomElement(using: &rng)!)) },
        { .returned(Returned(via: ReturnChannel.allCases.randomElement(using: &rng)!)) },
        { .withdrawn },
        { .stopped(Stopped(reason: text())) },
        { .homeSupportVisit(HomeSupportVisit(purpose: VisitPurpose.allCases.randomElement(using: &rng)!, minutes: maybe { Int.random(in: 0...300, using: &rng) })) },
        { .feedback(Feedback(rating: Rating.allCases.randomElement(using: &rng)!, complaint: maybe { Bool.random(using: &rng) }, aboutActor: maybe { text() })) },
    ]
    let body = bodies.randomElement(using: &rng)!()
    return DossierEvent(id: "e-\(seed % 100_000):x", dossier: "000.00.17.H19-250304-\(seed % 10_000)", at: at,
                        actor: text(), unit: code(), note: maybe { text(200) }, body: body)
}

struct EventCodingTests {
    @Test("JSON Lines: an event prints and parses back to itself")
    func jsonRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let event = arbitraryEvent(seed)
            let parsed = try DossierEvent.parse(event.jsonLine())
            #expect(parsed.event == event)
            #expect(parsed.exported == nil)
        }
    }

    @Test("binary payload: an event encodes and decodes back to itself, deterministically")
    func payloadRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let event = arbitraryEvent(seed)
            let bytes = event.encodedPayload()
            #expect(bytes == event.encodedPayload())
            let decoded = try bytes.withUnsafeBytes { raw in
                try DossierEvent(id: event.id, dossier: event.dossier, wireName: event.type.wireName, payload: raw)
            }
            #expect(decoded == event)
        }
    }

    @Test("wire names are dossier.<type>.v1 and name their type back")
    func wireNames() {
        for type in EventType.allCases {
            #expect(type.wireName == "dossier.\(type.rawValue).v1")
            #expect(EventType(wireName: type.wireName) == type)
        }
    }

    @Test("truncated payloads are refused, never a crash")
    func truncatedPayloads() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...1000)) { seed, cut in
            let event = arbitraryEvent(seed)
            let bytes = Array(event.encodedPayload().dropLast(1 + cut % event.encodedPayload().count))
            #expect(throws: PayloadError.self) {
                try bytes.withUnsafeBytes { try DossierEvent(id: event.id, dossier: event.dossier, wireName: event.type.wireName, payload: $0) }
            }
        }
    }

    @Test("export fields are carried when all four are present")
    func exportFields() throws {
        let line = #"{"id":"e1","dossier":"D-1","type":"withdrawn","at":"2025-03-04T09:12:00+07:00","actor":"citizen","unit":"MC","seq":7,"version":2,"recorded":"2025-03-04T02:12:00.000001Z","hash":"ab"}"#
        let parsed = try DossierEvent.parse(line)
        #expect(parsed.exported == ExportedFields(seq: 7, version: 2, recorded: t("2025-03-04 09:12") + 1, hash: "ab"))
        #expect(parsed.event.jsonLine(exported: parsed.exported) == line)
    }

    static let base = #""id":"e1","dossier":"000.00.17.H19-250304-0001","at":"2025-03-04T09:12:00+07:00","actor":"cb.01","unit":"H19.17.MC""#

    /// Each invalid line, the field the error must name, and a phrase of its rule.
    static let invalidLines: [(String, String?, String)] = [
        (#"{"id":"e1""#, nil, "not closed"),
        ("[1,2]", nil, "JSON object"),
        (#"{"id":"e1","id":"e2"}"#, nil, "appears twice"),
        ("{\(base),\"type\":\"received\",\"procedure\":\"1.001193\",\"channel\":\"online\"}", "online_level", "required when channel is online"),
        ("{\(base),\"type\":\"received\",\"procedure\":\"1.001193\",\"channel\":\"fax\"}", "channel", "one of direct, online, postal"),
        ("{\(base),\"type\":\"received\",\"channel\":\"direct\"}", "procedure", "is required"),
        ("{\(base),\"type\":\"received\",\"procedure\":\"1\",\"channel\":\"direct\",\"chanel\":\"x\"}", "chanel", "not a field"),
        ("{\(base),\"type\":\"teleported\"}", "type", "unknown type"),
        (#"{"id":"e 1","dossier":"D","type":"withdrawn","at":"2025-03-04T09:12:00+07:00","actor":"a","unit":"u"}"#, "id", "A-Z a-z 0-9"),
        (#"{"id":"e1","dossier":"D 1","type":"withdrawn","at":"2025-03-04T09:12:00+07:00","actor":"a","unit":"u"}"#, "dossier", "without spaces"),
        (#"{"id":"e1","dossier":"D","type":"withdrawn","at":"2025-03-04T09:12:00","actor":"a","unit":"u"}"#, "at", "offset"),
        (#"{"id":"e1","dossier":"D","type":"withdrawn","at":"2025-03-04T09:12+07:00","actor":"a","unit":"u"}"#, "at", "seconds"),
        (#"{"id":"e1","dossier":"D","type":"withdrawn","at":"2025-03-04T09:12:00+07:00","unit":"u"}"#, "actor", "is required"),
        ("{\(base),\"type\":\"forwarded\",\"to_unit\":\"TP\",\"step_hours\":0}", "step_hours", "greater than 0"),
        ("{\(base),\"type\":\"forwarded\",\"to_unit\":\"TP\",\"step_hours\":\"16\"}", "step_hours", "must be a number"),
        ("{\(base),\"type\":\"forwarded\",\"to_unit\":\"TP\",\"step_hours\":4,\"step_due\":\"2025-03-05T09:00:00+07:00\"}", "step_hours", "not both"),
        ("{\(base),\"type\":\"apology_issued\",\"new_due\":\"2025-03-04T09:00:00+07:00\",\"reason\":\"r\"}", "new_due", "later than"),
        ("{\(base),\"type\":\"feedback\",\"rating\":\"satisfied\",\"complaint\":\"yes\"}", "complaint", "true or false"),
        ("{\(base),\"type\":\"home_support_visit\",\"purpose\":\"receive\",\"minutes\":1.5}", "minutes", "whole number"),
        ("{\(base),\"type\":\"stopped\",\"reason\":\"\"}", "reason", "must not be empty"),
        ("{\(base),\"type\":\"supplement_requested\",\"reason\":\"r\",\"items\":[1]}", nil, "strings only"),
        ("{\(base),\"type\":\"processed\",\"outcome\":{\"a\":1}}", nil, "nested objects"),
        ("{\(base),\"type\":\"withdrawn\",\"note\":\"\(String(repeating: "x", count: 1001))\"}", "note", "0 to 1000"),
        ("{\(base),\"type\":\"withdrawn\"} trailing", nil, "text after the object"),
        // A name written with an escape is still that name: a repeat, or a field of another type.
        ("{\(base),\"type\":\"withdrawn\",\"\\u0069d\":\"e2\"}", nil, "`id` appears twice"),
        ("{\(base),\"type\":\"withdrawn\",\"proc\\u0065dure\":\"1.001193\"}", "procedure", "not a field of a withdrawn event"),
        // Of several foreign fields, known names or not, the first in alphabetical order is named.
        ("{\(base),\"type\":\"withdrawn\",\"zeta\":1,\"outcome\":\"approved\",\"alpha\":true}", "alpha", "not a field"),
        ("{\(base),\"type\":\"withdrawn\",\"zeta\":1,\"outcome\":\"approved\"}", "outcome", "not a field"),
        ("{\(base),\"type\":\"withdrawn\",\"zeta\":1,\"zeta\":2}", nil, "`zeta` appears twice"),
        // 64 characters of four bytes each fit `actor` (counted in characters); 65 do not.
        ("{\"id\":\"e1\",\"dossier\":\"D\",\"type\":\"withdrawn\",\"at\":\"2025-03-04T09:12:00+07:00\",\"actor\":\"\(String(repeating: "😀", count: 65))\",\"unit\":\"u\"}", "actor", "1 to 64 characters, got 65"),
    ]

    @Test("fields with escaped names, null unknown fields and multi-byte text within limits parse")
    func lenientButExact() throws {
        let escaped = try DossierEvent.parse("{\(Self.base),\"type\":\"stopped\",\"r\\u0065ason\":\"r\"}")
        #expect(escaped.event.body == .stopped(Stopped(reason: "r")))
        let nullUnknown = try DossierEvent.parse("{\(Self.base),\"type\":\"withdrawn\",\"later_field\":null,\"outcome\":null}")
        #expect(nullUnknown.event.type == .withdrawn)
        let wide = String(repeating: "😀", count: 64)
        let parsed = try DossierEvent.parse(#"{"id":"e1","dossier":"D","type":"withdrawn","at":"2025-03-04T09:12:00+07:00","actor":"\#(wide)","unit":"u"}"#)
        #expect(parsed.event.actor == wide)
    }

    @Test("an invalid line is refused with its line, id, field and rule", arguments: invalidLines)
    func invalid(_ line: String, _ field: String?, _ rule: String) {
        let error = #expect(throws: EventRejection.self) { try DossierEvent.parse(line, number: 12) }
        #expect(error?.line == 12)
        #expect(error?.field == field, "\(error?.description ?? "")")
        #expect(error?.rule.description.contains(rule) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("line 12") == true)
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        var bytes = Array("{\(Self.base),\"type\":\"stopped\",\"reason\":\"x\"}".utf8)
        bytes[bytes.count - 3] = 0xff  // the "x" of the reason
        let error = #expect(throws: EventRejection.self) {
            try bytes.withUnsafeBufferPointer { try DossierEvent.parse(line: $0, number: 3) }
        }
        #expect(error?.rule.description.contains("UTF-8") == true)
    }

    @Test("the spec's example lines parse")
    func specExample() throws {
        let lines = [
            #"{"id":"e1","dossier":"000.00.17.H19-250304-0001","type":"received","at":"2025-03-04T09:12:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","procedure":"1.001193","channel":"online","online_level":"full"}"#,
            #"{"id":"e2","dossier":"000.00.17.H19-250304-0001","type":"forwarded","at":"2025-03-04T10:00:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","to_unit":"H19.17.TP","to_actor":"cv.tuphap.02","step_hours":16}"#,
            #"{"id":"e3","dossier":"000.00.17.H19-250304-0001","type":"processed","at":"2025-03-06T15:30:00+07:00","actor":"cv.tuphap.02","unit":"H19.17.TP","outcome":"approved"}"#,
            #"{"id":"e4","dossier":"000.00.17.H19-250304-0001","type":"returned","at":"2025-03-07T08:05:00+07:00","actor":"cb.tiepnhan.01","unit":"H19.17.MC","via":"online"}"#,
        ]
        let events = try lines.map { try DossierEvent.parse($0).event }
        #expect(events.map(\.type) == [.received, .forwarded, .processed, .returned])
        #expect(events[1].body == .forwarded(Forwarded(toUnit: "H19.17.TP", toActor: "cv.tuphap.02", stepHours: 16)))
        // Printing gives back the same lines.
        #expect(events.map { $0.jsonLine() } == lines)
    }
}
