import Foundation
import LedgerTesting
import ProvinceGenerator
import Testing

/// Kill tests with the real `dossier` executable: an importer, a sweep and a rebuild are
/// SIGKILLed at random moments; after each, the store reopens, `verify` passes, nothing partial
/// exists, and the views equal those of a fresh rebuild. `CRASH_ROUNDS` multiplies the rounds
/// (a longer nightly mode); with the appender's 20 rounds (EventLogLMDBTests) CI runs 60.
@Suite(.temporaryDirectory)
struct CrashTests {
    static var multiplier: Int { Int(ProcessInfo.processInfo.environment["CRASH_ROUNDS"] ?? "") ?? 1 }

    /// A province of `dossiers` and a store with its catalogs recorded.
    func setUp(dossiers: Int, importing: Bool) throws -> (store: String, events: String) {
        let directory = TemporaryDirectory.path
        _ = try ProvinceGenerator(options: .init(seed: 9, dossiers: dossiers)).write(to: directory + "/province")
        let store = directory + "/store", p = directory + "/province"
        #expect(try dossier(["init", "--store", store, "--procedures", p + "/procedures.json", "--units", p + "/units.json",
                             "--officers", p + "/officers.json"]).status == 0)
        if importing { #expect(try dossier(["import", "--store", store, p + "/events.jsonl"]).status == 0) }
        return (store, p + "/events.jsonl")
    }

    /// Starts `dossier arguments` and SIGKILLs it after a random delay below `within`.
    func killed(_ arguments: [String], within: Duration, seed: inout SplitMix) async throws {
        let child = try ChildProcess(product: "dossier", arguments: arguments)
        let delay = Int.random(in: 0...Int(within.components.seconds * 1000 + within.components.attoseconds / 1_000_000_000_000_000), using: &seed)
        // Blocking this thread keeps the moment exact: a task's sleep can overrun by far when the
        // other suites keep every thread of the pool busy.
        usleep(useconds_t(delay * 1000))
        try await child.kill()
    }

    func eventCount(_ store: String) throws -> Int {
        let stats = try dossier(["stats", "--store", store, "--format", "csv"]).stdout
        let line = try #require(stats.split(separator: "\n").first { $0.hasPrefix("events,") })
        return Int(line.split(separator: ",").last ?? "") ?? -1
    }

    @Test("an import killed at any moment stores all of the file or none of it; verify passes")
    func killedImport() async throws {
        let (store, events) = try setUp(dossiers: 2500, importing: false)
        let catalogOnly = try eventCount(store)
        // How long a whole import takes here, on a copy: the kills land inside that window.
        try FileManager.default.copyItem(atPath: store, toPath: store + "-timing")
        let start = ContinuousClock.now
        #expect(try dossier(["import", "--store", store + "-timing", events]).status == 0)
        let window = (ContinuousClock.now - start) * 0.5
        var rng = SplitMix(state: 1)
        var outcomes: [Int] = []
        for _ in 0..<(15 * Self.multiplier) {
            try await killed(["import", "--store", store, events], within: window, seed: &rng)
            #expect(try dossier(["verify", "--store", store]).status == 0)
            let count = try eventCount(store)
            outcomes.append(count)
            if count != catalogOnly { break }  // the whole file is in: later rounds would only repeat it
        }
        #expect(outcomes.contains(catalogOnly))  // at least one kill landed before the commit
        // Finish the import: the file is stored exactly once, and nothing partial was ever seen.
        #expect(try dossier(["import", "--store", store, events]).status == 0)
        let lines = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n").count
        let total = try eventCount(store)
        #expect(total == catalogOnly + lines)
        #expect(outcomes.allSatisfy { $0 == catalogOnly || $0 == total })
    }

    @Test("a rebuild killed at any moment leaves the current views intact; the next rebuild starts over cleanly")
    func killedRebuild() async throws {
        let (store, _) = try setUp(dossiers: 2500, importing: true)
        let query = ["rates", "--store", store, "--period", "2025", "--by", "unit", "--format", "json"]
        let expected = try dossier(query).stdout  // builds the projections
        var rng = SplitMix(state: 2)
        for _ in 0..<(15 * Self.multiplier) {
            try await killed(["rebuild", "--store", store], within: .milliseconds(600), seed: &rng)
            #expect(try dossier(query).stdout == expected)
        }
        #expect(try dossier(["rebuild", "--store", store]).status == 0)
        #expect(try dossier(query).stdout == expected)
        let generations = try FileManager.default.contentsOfDirectory(atPath: store + "/projections").filter { $0.contains("@") }
        #expect(generations.count == 2)  // one per projection: the stray ones were removed
    }

    @Test("a sweep killed at any moment appends whole batches only; the next sweep completes it; views catch up to a rebuild")
    func killedSweep() async throws {
        let (store, _) = try setUp(dossiers: 2500, importing: true)
        let sweep = ["sweep", "--store", store, "--as-of", "2026-12-01T16:00:00+07:00", "--format", "json"]  // after every event, before now
        var rng = SplitMix(state: 3)
        for _ in 0..<(10 * Self.multiplier) {
            try await killed(sweep, within: .milliseconds(800), seed: &rng)
            #expect(try dossier(["verify", "--store", store]).status == 0)
        }
        #expect(try dossier(sweep).status == 0)
        let again = try dossier(sweep).stdout
        #expect(again.contains("\"appended\":[]") && !again.contains("\"already_present\":0"))
        let late = ["late", "--store", store, "--include-finished", "--format", "json"]
        let caughtUp = try dossier(late).stdout
        #expect(try dossier(["rebuild", "--store", store]).status == 0)
        #expect(try dossier(late).stdout == caughtUp)
    }
}
