import DossierDomain
import DossierLog
import EventLog
import EventLogMemory
import Foundation
import Testing

/// The service's tokens as entries of the log: what a secret opens, and when it stops.
@Suite struct AccessListTests {
    static let day = Instant(microsecondsSinceEpoch: 1_796_000_000_000_000)  // 2026-11-29

    @Test("a secret opens its grant until it is revoked or past its last day; a wrong, altered or unknown secret opens nothing")
    func secrets() async throws {
        let ledger = DossierLedger(store: InMemoryEventStore())
        let (desk, deskGrant) = try await ledger.grantAccess(name: "Một cửa X07", role: .desk, unit: "H19.X07", expires: nil)
        let (inspector, _) = try await ledger.grantAccess(name: "Thanh tra", role: .inspector, unit: "H19", expires: Self.day.localDate)
        #expect(desk.hasPrefix("dlt_") && desk.count == 68)
        #expect(deskGrant.secretHash == AccessSecret.hash(desk) && deskGrant.token == String(deskGrant.secretHash.prefix(12)))
        var list = try await ledger.accessList()
        let now = TimeGuard.wallClock()
        #expect(list.grant(secret: desk, at: now)?.grant == deskGrant)
        #expect(list.grant(secret: inspector, at: Self.day)?.grant.role == .inspector)
        #expect(list.grant(secret: inspector, at: Instant(microsecondsSinceEpoch: Self.day.microseconds + 86_400_000_000)) == nil, "past its last day")
        var altered = Array(desk.utf8)
        altered[40] = altered[40] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        for wrong in [String(decoding: altered, as: UTF8.self), "dlt_" + String(repeating: "0", count: 64), "", deskGrant.secretHash, deskGrant.token] {
            #expect(list.grant(secret: wrong, at: now) == nil, "\(wrong)")
        }
        #expect(try await ledger.revokeAccess(token: deskGrant.token))
        #expect(try await !ledger.revokeAccess(token: deskGrant.token), "a second revocation changes nothing")
        list = try await ledger.accessList()
        #expect(list.grant(secret: desk, at: TimeGuard.wallClock()) == nil)
        #expect(list.entry(token: deskGrant.token)?.revoked != nil)
        await #expect(throws: CatalogError.self) { try await ledger.revokeAccess(token: "000000000000") }
        // Recorded in a stream of their own, in the log's chain; the catalog's rules do not see them.
        let stored = try await ledger.store.read(stream: StreamID(CatalogEntry.accessStream), from: StreamVersion(1), direction: .forward, limit: 10)
        #expect(stored.map(\.type) == ["access.granted.v1", "access.granted.v1", "access.revoked.v1"])
        #expect(!stored.contains { String(decoding: $0.payload, as: UTF8.self).contains(desk) }, "the secret itself is never stored")
    }

    @Test("an access entry's line is refused when its fields are wrong, naming the field; it round-trips through an export line")
    func lines() throws {
        let grant = AccessGrant(token: "0123456789ab", name: "x", role: .auditor, unit: "H19", expires: nil,
                                secretHash: "0123456789ab" + String(repeating: "c", count: 52))
        let entry = CatalogEntry.accessGranted(grant)
        #expect(try CatalogEntry.parse(json: entry.json, kind: .accessGranted) == entry)
        for (json, problem) in [(#"{"token":"0123456789ab","name":"x","role":"boss","unit":"H19","secret_sha256":"0123456789abcc"}"#, "role"),
                                (#"{"token":"XYZ","name":"x","role":"desk","unit":"H19","secret_sha256":"00"}"#, "token"),
                                (#"{"token":"0123456789ab","name":"x","role":"desk","unit":"H19","secret_sha256":"ffff"}"#, "secret_sha256"),
                                (#"{"token":"0123456789ab","extra":1}"#, "extra")] {
            let kind: CatalogEntry.Kind = json.contains("extra") ? .accessRevoked : .accessGranted
            let error = #expect(throws: CatalogError.self) { try CatalogEntry.parse(json: json, kind: kind) }
            #expect(error?.description.contains(problem) == true, "\(json): \(String(describing: error))")
        }
        var line: [UInt8] = []
        entry.writeExportLine(id: entry.id, exported: ExportedFields(seq: 7, version: 1, recorded: Self.day, hash: String(repeating: "a", count: 64), previousHash: nil), to: &line)
        let parsed = try line.withUnsafeBufferPointer { try LogLine.parse(line: $0) }
        guard case .catalog(let back, let id, _) = parsed else { Issue.record("not an entry line"); return }
        #expect(back == entry && id == "access:granted:0123456789ab")
    }
}
