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

    @Test("two hosts (own working directory, own home and projection cache) importing into one store at once keep one gap-free log and answer alike")
    func twoHosts() async throws {
        let cluster = try PostgresCluster.shared.get()
        let store = try cluster.createDatabase()
        let lmdb = try fixedStore()
        let p = TemporaryDirectory.path + "/province"
        #expect(try dossier(["init", "--store", store, "--procedures", p + "/procedures.json", "--units", p + "/units.json", "--officers", p + "/officers.json"]).status == 0)
        // The province's dossiers dealt into 16 files, each dossier's events whole and in order.
        let lines = try String(contentsOfFile: p + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        var slices = [[Substring]](repeating: [], count: 16)
        for line in lines {
            let dossier = line.range(of: #""dossier":""#).map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? ""
            slices[Int(fnv(dossier) % 16)].append(line)
        }
        let hosts = ["host-a", "host-b"].map { TemporaryDirectory.path + "/" + $0 }
        for (n, slice) in slices.enumerated() {
            try FileManager.default.createDirectory(atPath: hosts[n % 2], withIntermediateDirectories: true)
            try (slice.joined(separator: "\n") + "\n").write(toFile: hosts[n % 2] + "/part-\(n).jsonl", atomically: true, encoding: .utf8)
        }
        // Each host imports its eight files one after the other, both hosts at once.
        func onHost(_ host: String, _ arguments: [String]) throws -> Run {
            let process = Process()
            process.executableURL = ChildProcess.productsDirectory.appendingPathComponent("dossier")
            process.arguments = arguments + ["--store", store]
            process.currentDirectoryURL = URL(fileURLWithPath: host)
            process.environment = ["LANG": "C", "PATH": "/usr/bin:/bin", "HOME": host]
            let out = Pipe(), err = Pipe()
            (process.standardOutput, process.standardError) = (out, err)
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, host) in hosts.enumerated() {
                group.addTask {
                    for n in stride(from: index, to: 16, by: 2) {
                        let run = try onHost(host, ["import", "part-\(n).jsonl"])  // a path relative to the host's directory
                        #expect(run.status == 0, "\(host) part \(n): \(run.stderr)")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try onHost(hosts[0], ["sweep", "--as-of", "2026-11-27T17:00:00+07:00"]).status == 0)  // as the LMDB store was
        let verified = try dossier(["verify", "--store", store, "--format", "json"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let expected = try dossier(["export", "--store", lmdb]).stdout.split(separator: "\n").count
        #expect(try dossier(["export", "--store", store]).stdout.split(separator: "\n").count == expected)
        // Each host's own cache, caught up from the shared log, answers as the other and as the LMDB store.
        for view in [["late", "--include-finished", "--format", "json"], ["rates", "--period", "2025", "--by", "unit", "--format", "json"]] {
            let answers = try hosts.map { try onHost($0, view) }
            #expect(answers.allSatisfy { $0.status == 0 }, "\(view): \(answers.map(\.stderr))")
            #expect(answers[0].stdout == answers[1].stdout, "\(view)")
            // The same rows; the checkpoint differs, the two logs holding the events in other orders.
            func rows(_ json: String) -> String { json.replacingOccurrences(of: #""checkpoint":\{[^}]*\}"#, with: "", options: .regularExpression) }
            #expect(rows(answers[0].stdout) == rows(try dossier(view + ["--store", lmdb]).stdout), "\(view)")
        }
        for host in hosts { #expect(FileManager.default.fileExists(atPath: host + "/.cache/dossierledger")) }
    }

    private func fnv(_ text: String) -> UInt64 {
        text.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
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
