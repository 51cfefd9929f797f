import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import ReportFormats
import Views

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Copy a whole log into an empty store, of another backend or the same, verified at the end."),
        discussion: """
        The log is exported to a temporary file and imported as a replica: every seq, version, recorded time and hash is
        reproduced, and the new store's chain is verified and must end at the same head. The store's settings (time
        tolerance, origin) go with it; projections are rebuilt on first use.

        Examples:
          dossier migrate --from /srv/dossier-data --to postgres://ledger@db.h19.example:5432/dossiers
          dossier migrate --from postgres://ledger@db.h19.example:5432/dossiers --to /srv/dossier-copy
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The store to copy: a directory or a postgres:// URL.", completion: .directory) var from: String
    @Option(help: "The empty store to copy it into: a directory or a postgres:// URL.", completion: .directory) var to: String

    func run() async throws {
        var sourceOptions = global
        (sourceOptions.storeOption, sourceOptions.readOnly) = (from, true)
        let source = try await Session(sourceOptions)
        guard let head = try await source.store.head() else { throw ToolError("the store \(source.location.name) is empty: nothing to migrate") }
        var targetOptions = global
        (targetOptions.storeOption, targetOptions.readOnly) = (to, false)
        let target = try await Session(targetOptions, creating: true)
        guard try await target.store.head() == nil else {
            throw ToolError("the store \(target.location.name) is not empty: migrate copies a log into an empty store")
        }
        try await target.location.save(source.settings, store: target.store)

        let file = FileManager.default.temporaryDirectory.path + "/dossier-migrate-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
            throw ToolError("cannot write the temporary file \(file)")
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let start = ContinuousClock.now
        let exporting = ProgressBar(global.language.say("exporting"))
        var lines = 0
        try await source.ledger.export { (chunk: [UInt8]) in
            try handle.write(contentsOf: chunk)
            lines += chunk.lazy.filter { $0 == UInt8(ascii: "\n") }.count
            exporting.update(WorkProgress(done: lines, total: Int(head.position.rawValue)))
        }
        try handle.close()
        exporting.finish()
        let importing = ProgressBar(global.language.say("importing")), total = lines
        let summary = try await target.ledger.importEvents(path: file, replica: true) {
            importing.update(WorkProgress(done: $0, total: total))
        }
        importing.finish()
        let report = try await target.store.verify(nil)
        guard report.isIntact, report.head == head else {
            throw ToolError("the migrated store does not verify to the same head: \(report.failure.map(\.description) ?? "head \(report.head?.hash.hex.prefix(16) ?? "none")")",
                            exitCode: ExitCode.verificationFailed)
        }
        let seconds = Double((ContinuousClock.now - start).components.seconds)
        target.outcome("migrated \(summary.appended) events from \(source.location.name) to \(target.location.name) in \(Int(seconds)) s: head seq \(head.position) hash \(head.hash.hex.prefix(16)), verified",
                       [("from", .text(source.location.name)), ("to", .text(target.location.name)), ("events", .integer(summary.appended)),
                        ("head_seq", .integer(Int(head.position.rawValue))), ("head_hash", .digest(head.hash.hex)), ("seconds", .integer(Int(seconds)))])
    }
}
