import Foundation
import LedgerTesting
import Testing

/// The tool on a PostgreSQL store of a throwaway cluster: the same log, the same answers.
@Suite(.temporaryDirectory, .enabled(if: PostgresCluster.runs(for: "the CLI tests on PostgreSQL"), "PostgreSQL is not installed (apt-get install postgresql)"))
struct PostgresCLITests {
    @Test("LMDB → PostgreSQL → LMDB with migrate reproduces the log byte for byte; views over PostgreSQL answer as over LMDB")
    func roundTrip() throws {
        let cluster = try PostgresCluster.shared.get()
        let lmdb = try fixedStore()
        let postgres = try cluster.createDatabase()
        let there = try dossier(["migrate", "--from", lmdb, "--to", postgres, "--format", "json"])
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains(#""events""#) && there.stdout.contains(#""head_hash""#))
        let back = TemporaryDirectory.path + "/stores/back"
        let again = try dossier(["migrate", "--from", postgres, "--to", back])
        #expect(again.status == 0 && again.stdout.contains("verified"), "\(again.stderr)")

        let original = try dossier(["export", "--store", lmdb])
        #expect(original.status == 0 && original.stdout.count > 10_000)
        #expect(try dossier(["export", "--store", postgres]).stdout == original.stdout)
        #expect(try dossier(["export", "--store", back]).stdout == original.stdout)
        #expect(try dossier(["verify", "--store", postgres]).status == 0)

        // The views, from a projection cache of the PostgreSQL store.
        let cache = TemporaryDirectory.path + "/cache"
        for view in [["late", "--include-finished", "--format", "json"], ["rates", "--period", "2025", "--by", "unit", "--format", "json"],
                     ["accountability", "--period", "2025", "--format", "json"]] {
            let expected = try dossier(view + ["--store", lmdb])
            let answered = try dossier(view + ["--store", postgres, "--cache", cache])
            #expect(expected.status == 0 && answered.status == 0, "\(view): \(answered.stderr)")
            #expect(answered.stdout == expected.stdout, "\(view)")
        }
        #expect(FileManager.default.fileExists(atPath: cache + "/projections"))

        // A store that is not empty is refused as a target.
        let refused = try dossier(["migrate", "--from", lmdb, "--to", postgres])
        #expect(refused.status == 1 && refused.stderr.contains("is not empty"), "\(refused.stderr)")
    }

    @Test("init, import and append on PostgreSQL: settings kept in the database, the time guard and lifecycle rules as on LMDB")
    func writes() throws {
        let cluster = try PostgresCluster.shared.get()
        let store = try cluster.createDatabase()
        _ = try fixedStore()  // writes the fixed province, imported here into PostgreSQL
        let p = TemporaryDirectory.path + "/province"
        let initialised = try dossier(["init", "--store", store, "--procedures", p + "/procedures.json", "--units", p + "/units.json",
                                       "--officers", p + "/officers.json", "--time-tolerance", "7", "--origin", "test.example/pg"])
        #expect(initialised.status == 0 && initialised.stdout.contains("time tolerance 7 min"), "\(initialised.stderr)")
        let imported = try dossier(["import", "--store", store, p + "/events.jsonl", "--format", "json"])
        #expect(imported.status == 0 && imported.stdout.contains(#""rejected":0"#), "\(imported.stdout) \(imported.stderr)")
        // Importing again stores nothing new.
        let again = try dossier(["import", "--store", store, p + "/events.jsonl", "--format", "json"])
        #expect(again.status == 0 && again.stdout.contains(#""stored":0,"#), "\(again.stdout) \(again.stderr)")
        // An event dated in the future beyond the tolerance is refused, naming the rule.
        let future = try dossier(["append", "--store", store, "--json",
                                  #"{"id":"f1","dossier":"000.00.17.H19-991231-0001","type":"received","at":"2099-01-01T08:00:00+07:00","actor":"a","unit":"H19.17.MC","procedure":"1.001193","channel":"direct"}"#])
        #expect(future.status != 0 && future.stderr.contains("7"), "\(future.stderr)")
        let checkpoint = try dossier(["checkpoint", "--store", store, "--new-key", TemporaryDirectory.path + "/k"])
        #expect(checkpoint.status == 0)
        #expect(try String(contentsOfFile: TemporaryDirectory.path + "/k.pub", encoding: .utf8).hasPrefix("test.example/pg+"))
    }
}
