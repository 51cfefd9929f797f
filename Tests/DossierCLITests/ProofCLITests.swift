import EventLog
import Foundation
import LedgerTesting
import Testing

/// Proof bundles, consistency proofs and witnesses, end to end through the `dossier` executable:
/// what verifies, and every kind of tampering that must not.
@Suite(.temporaryDirectory)
struct ProofCLITests {
    static var directory: String { TemporaryDirectory.path }

    /// A key pair (`name`, `name.pub`), named `keyName` when given.
    static func key(_ name: String, keyName: String? = nil) throws -> String {
        let path = directory + "/" + name
        let run = try dossier(["checkpoint", "--new-key", path] + (keyName.map { ["--key-name", $0] } ?? []))
        #expect(run.status == 0, "\(run.stderr)")
        return path
    }

    static func dossierWithHistory(_ store: String) throws -> String {
        let line = try #require(try dossier(["late", "--store", store, "--include-finished", "--format", "csv", "--columns", "dossier"]).stdout
            .split(separator: "\n").dropFirst().first)
        return String(line.split(separator: ",")[0])
    }

    @Test("a proof bundle verifies offline; every kind of tampering fails with exit 3")
    func bundles() throws {
        let store = try fixedStore(), office = try Self.key("office.key"), other = try Self.key("other.key")
        let checkpoint = Self.directory + "/c1.checkpoint", bundle = Self.directory + "/b.json"
        #expect(try dossier(["checkpoint", "--store", store, "--key", office, "--output", checkpoint]).status == 0)
        let code = try Self.dossierWithHistory(store)
        let proved = try dossier(["prove", code, "--store", store, "--checkpoint", checkpoint, "--output", bundle])
        #expect(proved.status == 0, "\(proved.stderr)")
        let ok = try dossier(["verify-proof", bundle, "--public-key", office + ".pub"])
        #expect(ok.status == 0 && ok.stdout.contains("proved: ") && ok.stdout.contains(code), "\(ok.stderr)")
        #expect(try dossier(["verify-proof", bundle, "--public-key", other + ".pub"]).status == 3)

        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as! [String: Any]
        func tampered(_ change: (inout [String: Any], inout [[String: Any]]) -> Void) throws -> Int32 {
            var copy = original, events = original["events"] as! [[String: Any]]
            change(&copy, &events)
            copy["events"] = events
            let path = Self.directory + "/tampered.json"
            try JSONSerialization.data(withJSONObject: copy).write(to: URL(fileURLWithPath: path))
            return try dossier(["verify-proof", path, "--public-key", office + ".pub"]).status
        }
        let signedByOther = try dossier(["checkpoint", "--store", store, "--key", other]).stdout
        let cases: [(String, (inout [String: Any], inout [[String: Any]]) -> Void)] = [
            ("an altered event", { _, e in e[0]["record"] = (e[0]["record"] as! String).replacingOccurrences(of: "\"actor\":\"", with: "\"actor\":\"x") }),
            ("a wrong leaf index", { _, e in e[0]["leaf_index"] = (e[0]["leaf_index"] as! Int) + 1 }),
            ("a wrong seq", { _, e in e[0]["seq"] = (e[0]["seq"] as! Int) + 1 }),
            ("swapped proof hashes", { _, e in var p = e[0]["inclusion_proof"] as! [String]; p.swapAt(0, p.count - 1); e[0]["inclusion_proof"] = p }),
            ("a wrong tree size", { b, _ in b["checkpoint"] = (b["checkpoint"] as! String).replacing(/\n(\d+)\n/) { "\n\(Int($0.1)! + 1)\n" } }),
            ("a checkpoint signed by another key", { b, _ in b["checkpoint"] = signedByOther }),
            ("an event left out", { _, e in e.removeFirst() }),
            ("another dossier's name", { b, _ in b["dossier"] = "000.00.00.X00-000000-0000" }),
        ]
        for (what, change) in cases { #expect(try tampered(change) == 3, "\(what)") }
    }

    @Test("consistency between checkpoints; a witness cosigns what extends its last, and refuses a fork")
    func consistencyAndWitness() throws {
        let store = try fixedStore(), office = try Self.key("office.key"), witness = try Self.key("witness.key", keyName: "thanhtra.example/w1")
        let c1 = Self.directory + "/c1", c2 = Self.directory + "/c2", forked = Self.directory + "/forked", state = Self.directory + "/witness"
        #expect(try dossier(["checkpoint", "--store", store, "--key", office, "--output", c1]).status == 0)
        let fork = Self.directory + "/fork"
        try FileManager.default.copyItem(atPath: store, toPath: fork)
        #expect(try dossier(["init", "--store", fork, "--origin", "dossierledger/fixed"]).status == 0)  // the same log, forked
        func receive(_ id: String, in store: String) throws {
            let run = try dossier(["append", "--store", store, "--id", id, "--dossier", "NEW-\(id)", "--type", "received", "--at", "2026-11-27T09:00:00+07:00",
                                   "--actor", "cb.h19.x01.1", "--unit", "H19.X01", "--field", "procedure=1.001193", "--field", "channel=direct"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        try receive("a", in: store)
        try receive("b", in: fork)
        #expect(try dossier(["checkpoint", "--store", store, "--key", office, "--output", c2]).status == 0)
        #expect(try dossier(["checkpoint", "--store", fork, "--key", office, "--output", forked]).status == 0)

        let consistent = try dossier(["consistency", c1, c2, "--store", store, "--public-key", office + ".pub", "--format", "json"])
        #expect(consistent.status == 0 && consistent.stdout.contains("\"proof\":["), "\(consistent.stderr)")
        #expect(try dossier(["consistency", c2, c1, "--store", store, "--public-key", office + ".pub"]).status == 3)

        func cosign(_ checkpoint: String, _ store: String) throws -> Run {
            try dossier(["witness", "cosign", checkpoint, "--store", store, "--key", witness, "--log-key", office + ".pub", "--state", state,
                         "--output", checkpoint + ".cosigned"])
        }
        #expect(try cosign(c1, store).status == 0)
        #expect(try cosign(c2, store).status == 0)
        // The fork has as many events as c2 but another root: not consistent with what the witness cosigned.
        #expect(try cosign(forked, fork).status == 3)
        #expect(try cosign(c1, store).status == 3)  // going back
        let bundle = Self.directory + "/b.json"
        #expect(try dossier(["prove", try Self.dossierWithHistory(store), "--store", store, "--checkpoint", c2 + ".cosigned", "--output", bundle]).status == 0)
        #expect(try dossier(["verify-proof", bundle, "--public-key", office + ".pub", "--witness", witness + ".pub"]).status == 0)
        let uncosigned = Self.directory + "/u.json"
        #expect(try dossier(["prove", try Self.dossierWithHistory(store), "--store", store, "--checkpoint", c2, "--output", uncosigned]).status == 0)
        #expect(try dossier(["verify-proof", uncosigned, "--public-key", office + ".pub", "--witness", witness + ".pub"]).status == 3)
    }

    @Test("a checkpoint and key of version 0.4 still verify")
    func legacyCheckpoint() throws {
        let store = try fixedStore()
        let (privateKey, publicKey) = SignedCheckpoint.newKeyPair()
        let key = Self.directory + "/old.key", checkpoint = Self.directory + "/old.checkpoint"
        try (publicKey.base64EncodedString() + "\n").write(toFile: key + ".pub", atomically: true, encoding: .utf8)
        let head = try #require(try dossier(["checkpoint", "--store", store, "--format", "json"]).stdout.firstMatch(of: /"seq":(\d+),"hash":"([0-9a-f]{64})"/))
        let old = try SignedCheckpoint(signing: LogHead(position: GlobalPosition(UInt64(head.1)!), hash: EventHash(hex: String(head.2))!,
                                                        recorded: RecordedTime(rawValue: 0)), privateKey: privateKey)
        try old.text.write(toFile: checkpoint, atomically: true, encoding: .utf8)
        let run = try dossier(["verify", "--store", store, "--checkpoint", checkpoint, "--public-key", key + ".pub"])
        #expect(run.status == 0, "\(run.stderr)")
    }
}
