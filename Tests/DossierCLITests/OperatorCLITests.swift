import Foundation
import LedgerTesting
import ProvinceGenerator
import Testing

/// The operator's night: backups under appends, restores that refuse what does not verify, and
/// the nightly command, on the real executable.
@Suite(.temporaryDirectory)
struct OperatorCLITests {
    /// Flips the first occurrence of an officer id's byte in a data file.
    func flipByte(in file: String) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        let range = try #require(data.range(of: Data("cb.h19.x0".utf8)))
        data[range.lowerBound] = UInt8(ascii: "C")
        try data.write(to: URL(fileURLWithPath: file))
    }

    @Test("a backup restores to a store that answers every view exactly as the original; a tampered or mislabelled backup is refused")
    func backupAndRestore() throws {
        let store = try fixedStore()
        let dir = TemporaryDirectory.path
        #expect(try dossier(["checkpoint", "--new-key", dir + "/office.key"]).status == 0)
        let backup = try dossier(["backup", "--store", store, "--to", dir + "/backup", "--key", dir + "/office.key", "--format", "json"])
        #expect(backup.status == 0 && backup.stdout.contains(#""signed":true"#), "\(backup.stderr)")
        let restored = dir + "/restored"
        let run = try dossier(["restore", "--from", dir + "/backup", "--store", restored, "--public-key", dir + "/office.key.pub"])
        #expect(run.status == 0 && run.stdout.contains("signed checkpoint checked"), "\(run.stderr)")
        for view in [["late", "--include-finished"], ["rates", "--period", "2025", "--by", "unit"], ["accountability", "--period", "2025"],
                     ["online", "--period", "2026"], ["satisfaction", "--period", "2024-01-01..2026-11-30"]] {
            let original = try dossier(view + ["--store", store, "--format", "json"]).stdout
            #expect(try dossier(view + ["--store", restored, "--format", "json"]).stdout == original, "\(view)")
        }
        // Into a directory that is not empty: refused.
        #expect(try dossier(["restore", "--from", dir + "/backup", "--store", restored]).status == 1)
        // Another key: refused, nothing restored.
        #expect(try dossier(["checkpoint", "--new-key", dir + "/other.key"]).status == 0)
        let otherKey = try dossier(["restore", "--from", dir + "/backup", "--store", dir + "/r2", "--public-key", dir + "/other.key.pub"])
        #expect(otherKey.status == 3 && !FileManager.default.fileExists(atPath: dir + "/r2/data.mdb"))
        // A manifest that names another head: refused.
        let manifest = dir + "/backup/manifest.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: #""head_seq" : "#, with: #""head_seq" : 1"#).write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try dossier(["restore", "--from", dir + "/backup", "--store", dir + "/r3"]).status == 3)
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        // A flipped byte in the copy: refused.
        try flipByte(in: dir + "/backup/data.mdb")
        let tampered = try dossier(["restore", "--from", dir + "/backup", "--store", dir + "/r4"])
        #expect(tampered.status == 3 && tampered.stderr.contains("does not verify"), "\(tampered.stderr)")
    }

    @Test("a backup taken while an import appends is consistent: it verifies, its head is a prefix of the log, and it restores")
    func backupUnderAppends() async throws {
        let store = try fixedStore()
        let dir = TemporaryDirectory.path
        // A second province, under other dossier codes, imported while the backups are taken.
        let extra = dir + "/extra"
        _ = try ProvinceGenerator(options: .init(seed: 99, dossiers: 12_000)).write(to: extra)
        let events = try String(contentsOfFile: extra + "/events.jsonl", encoding: .utf8).replacingOccurrences(of: ".H19-", with: ".H19X-")
        try events.write(toFile: extra + "/renamed.jsonl", atomically: true, encoding: .utf8)
        let importer = Task.detached { try dossier(["import", "--store", store, extra + "/renamed.jsonl"]) }
        var heads: [Int] = []
        for round in 0..<4 {
            let backup = try dossier(["backup", "--store", store, "--to", dir + "/b\(round)", "--format", "json"])
            #expect(backup.status == 0, "\(backup.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])
            heads.append(try #require(object["head_seq"] as? Int))
        }
        #expect(try await importer.value.status == 0)
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(try dossier(["stats", "--store", store, "--format", "json"]).stdout.utf8)) as? [String: Any])
        let finalHead = try #require(stats["head_seq"] as? Int)
        #expect(heads.allSatisfy { $0 <= finalHead })
        // Each copy is all of an import or none of it (an import is one transaction), and restores.
        for (round, head) in heads.enumerated() {
            #expect(head == 586 || head == finalHead, "backup \(round) at seq \(head)")
            #expect(try dossier(["restore", "--from", dir + "/b\(round)", "--store", dir + "/r\(round)"]).status == 0)
            #expect(try dossier(["verify", "--store", dir + "/r\(round)"]).status == 0)
        }
    }

    @Test("nightly runs sweep, rebuild, verify, checkpoint and backup in order, and stops at the first failure with its exit code")
    func nightly() throws {
        let store = try fixedStore()
        let dir = TemporaryDirectory.path
        #expect(try dossier(["checkpoint", "--new-key", dir + "/office.key"]).status == 0)
        let night = ["nightly", "--store", store, "--as-of", "2026-11-28T10:00:00+07:00", "--key", dir + "/office.key",
                     "--checkpoints", dir + "/checkpoints", "--backups", dir + "/backups"]
        let run = try dossier(night)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").map { $0.split(separator: ":")[0].split(separator: " ").last.map(String.init) ?? "" }
                    == ["sweep", "rebuild", "verify", "checkpoint", "backup"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/backups").count == 1)
        // A key that is not one: the night stops at the checkpoint (exit 1) and takes no backup.
        try "not a key".write(toFile: dir + "/bad.key", atomically: true, encoding: .utf8)
        let bad = try dossier(["nightly", "--store", store, "--as-of", "2026-11-28T10:00:00+07:00", "--key", dir + "/bad.key",
                               "--checkpoints", dir + "/checkpoints", "--backups", dir + "/backups", "--format", "json"])
        #expect(bad.status == 1 && bad.stdout.contains(#""ok":false"#) && bad.stderr.contains("stopped at checkpoint"), "\(bad.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/backups").count == 1)
        // A flipped byte: the night stops at verify with exit code 3.
        try flipByte(in: store + "/data.mdb")
        let broken = try dossier(["nightly", "--store", store, "--as-of", "2026-11-28T10:00:00+07:00"])
        #expect(broken.status == 3 && broken.stdout.contains("FAILED verify"), "\(broken.stdout) \(broken.stderr)")
    }
}
