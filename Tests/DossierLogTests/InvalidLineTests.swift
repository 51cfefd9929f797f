import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import Foundation
import LedgerTesting
import Testing

/// Every kind of invalid line of events.md, appended after valid lines to a file: the import
/// refuses the file, names the line, and the store is byte for byte what it was (its head and a
/// fresh export compared before and after).
@Suite(.temporaryDirectory)
struct InvalidLineTests {
    static let d = "000.00.17.H19-250304-0001"
    static func line(_ id: String, _ type: String, _ at: String, _ extra: String, dossier: String = d, unit: String = "H19.17.MC") -> String {
        #"{"id":"\#(id)","dossier":"\#(dossier)","type":"\#(type)","at":"2025-03-\#(at)+07:00","actor":"cb.01","unit":"\#(unit)"\#(extra)}"#
    }

    static let invalid: [(rule: String, line: String)] = [
        ("not JSON", #"{"id":"x1","dossier":"#),
        ("not an object", #"["received"]"#),
        ("required field missing", #"{"id":"x1","type":"received","at":"2025-03-04T09:00:00+07:00","actor":"a","unit":"H19.17.MC","procedure":"1.001193","channel":"direct"}"#),
        ("wrong type", line("x1", "processed", "06T10:00:00", #","outcome":7"#)),
        ("unknown enum value", line("x1", "returned", "07T10:00:00", #","via":"pigeon""#)),
        ("unknown type", line("x1", "approved", "06T10:00:00", "")),
        ("unknown field", line("x1", "processed", "06T10:00:00", #","outcome":"approved","outcom":"x""#)),
        ("timestamp without offset", #"{"id":"x1","dossier":"D","type":"withdrawn","at":"2025-03-06T10:00:00","actor":"a","unit":"H19.17.MC"}"#),
        ("id with forbidden characters", line("x 1", "withdrawn", "06T10:00:00", "")),
        ("nested object", line("x1", "stopped", "06T10:00:00", #","reason":{"a":1}"#)),
        ("duplicate key", line("x1", "stopped", "06T10:00:00", #","reason":"a","reason":"b""#)),
        ("same id, other content", line("e2", "stopped", "06T10:00:00", #","reason":"other""#)),
        ("first event is not received", line("x1", "forwarded", "06T10:00:00", #","to_unit":"H19.17.TP""#, dossier: "NEW-1")),
        ("a second received", line("x1", "received", "06T10:00:00", #","procedure":"1.001193","channel":"direct""#)),
        ("at goes backwards", line("x1", "stopped", "03T10:00:00", #","reason":"late""#)),
        ("supplement received without a request", line("x1", "supplement_received", "06T10:00:00", "")),
        ("returned before processed", line("x1", "returned", "06T10:00:00", #","via":"desk""#)),
        ("forwarded while waiting", line("x1", "supplement_requested", "06T10:00:00", #","reason":"copy""#) + "\n"
            + line("x2", "forwarded", "06T11:00:00", #","to_unit":"H19.17.TP""#)),
        ("after withdrawn only feedback", line("x1", "withdrawn", "06T10:00:00", "") + "\n" + line("x2", "stopped", "06T11:00:00", #","reason":"r""#)),
        ("procedure not in the catalog", line("x1", "received", "06T10:00:00", #","procedure":"9.999999","channel":"direct""#, dossier: "NEW-2")),
        ("unit not in the catalog", line("x1", "stopped", "06T10:00:00", #","reason":"r""#, unit: "H99")),
        ("online without a level", line("x1", "received", "06T10:00:00", #","procedure":"1.001193","channel":"online""#, dossier: "NEW-3")),
        ("invalid UTF-8", line("x1", "stopped", "06T10:00:00", ",\"reason\":\"\u{FFFD}\"").replacingOccurrences(of: "\u{FFFD}", with: "\u{01}")),
    ]

    @Test("each invalid line leaves the store as it was, and the error names its line", arguments: invalid.indices)
    func leavesStoreUnchanged(_ index: Int) async throws {
        let (rule, bad) = Self.invalid[index]
        let store = try LMDBEventStore(path: TemporaryDirectory.path + "/store")
        let ledger = DossierLedger(store: store)
        try await ledger.record(catalogEntries)
        let valid = [Self.line("e1", "received", "04T09:00:00", #","procedure":"1.001193","channel":"direct""#),
                     Self.line("e2", "forwarded", "04T10:00:00", #","to_unit":"H19.17.TP""#)]
        _ = try await ledger.importEvents(path: try writeFile("valid.jsonl", valid))
        let head = try await store.head()
        let before = try await exportLines(ledger)
        let file = try writeFile("bad.jsonl", [Self.line("ok1", "home_support_visit", "04T11:00:00", #","purpose":"guidance""#, dossier: "OTHER")] + [bad])
        let error = await #expect(throws: EventRejection.self, "\(rule)") { try await ledger.importEvents(path: file) }
        #expect((error?.line ?? 0) >= 2, "\(rule): \(error?.description ?? "no error")")
        #expect(try await store.head() == head, "\(rule)")
        #expect(try await exportLines(ledger) == before, "\(rule)")
    }
}
