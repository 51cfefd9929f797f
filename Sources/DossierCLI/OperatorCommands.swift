import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import ReportFormats
import Views

// The operator's night: a backup they can restore, and one command that runs the night's jobs.

/// What a backup directory says of itself, beside the copy: `manifest.json`.
struct BackupManifest: Codable, Equatable {
    var format = 1
    /// When the backup was taken (UTC, RFC 3339).
    var created: String
    var source: String
    var headSeq: UInt64
    var headHash: String
    var events: Int
    /// A signed checkpoint of the copy's head, when a key was given.
    var checkpoint: String?

    enum CodingKeys: String, CodingKey {
        case format, created, source, events, checkpoint
        case headSeq = "head_seq", headHash = "head_hash"
    }

    static func file(_ directory: String) -> String { directory + "/manifest.json" }

    static func read(_ directory: String) throws -> BackupManifest {
        guard let data = FileManager.default.contents(atPath: file(directory)) else {
            throw ToolError("\(directory) holds no manifest.json: not a backup of `dossier backup`")
        }
        do { return try JSONDecoder().decode(BackupManifest.self, from: data) } catch {
            throw ToolError("\(file(directory)) does not decode: \(error)")
        }
    }

    func write(_ directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(self).write(to: URL(fileURLWithPath: BackupManifest.file(directory)), options: .atomic) } catch {
            throw ToolError("cannot write \(BackupManifest.file(directory)): \(error.localizedDescription)")
        }
    }
}

/// Makes `directory` for a copy: it must not exist, or be empty.
private func emptyDirectory(_ directory: String) throws {
    let manager = FileManager.default
    if manager.fileExists(atPath: directory) {
        guard (try? manager.contentsOfDirectory(atPath: directory))?.isEmpty == true else {
            throw ToolError("\(directory) is not empty: a backup or a restore goes into a new directory")
        }
        return
    }
    do { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        throw ToolError("cannot create \(directory): \(error.localizedDescription)")
    }
}

/// A hot copy of `store` into `directory`, verified, with its manifest (and settings); returns the manifest.
func takeBackup(of session: Session, to directory: String, key: String?) async throws -> BackupManifest {
    guard let store = session.store as? any HotCopying else { throw ToolError("this store's backend cannot make a hot copy") }
    try emptyDirectory(directory)
    let report = try await store.backup(to: directory)
    guard report.isIntact, let head = report.head else {
        throw ToolError("the backup in \(directory) does not verify: \(report.failure.map(\.description) ?? "it is empty")", exitCode: ExitCode.verificationFailed)
    }
    var checkpoint: String?
    if let key {
        checkpoint = try await session.signedCheckpoint(at: head, signer: try KeyFile.signer(key, origin: session.origin)).written
    }
    let settings = StoreSettings.file(session.options.store)
    if FileManager.default.fileExists(atPath: settings) { try? FileManager.default.copyItem(atPath: settings, toPath: StoreSettings.file(directory)) }
    let manifest = BackupManifest(created: TimeGuard.wallClock().utcDescription, source: session.options.store, headSeq: head.position.rawValue,
                                  headHash: head.hash.hex, events: report.checked, checkpoint: checkpoint)
    try manifest.write(directory)
    return manifest
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("A consistent hot copy of the store (appends and reads go on), verified, with a manifest (head seq, hash, time, checkpoint)."),
        discussion: """
        The copy is compacted; projections are not copied (they are rebuilt from the log). With --key the manifest holds a
        signed checkpoint of the copy's head, so that a restore can prove it is the log that was backed up.

        Examples:
          dossier backup --to /srv/backups/dossier-2026-11-29
          dossier backup --to /srv/backups/dossier-2026-11-29 --key office.key
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The backup's directory (new, or empty).", completion: .directory) var to: String
    @Option(help: "Sign the copy's head with the Ed25519 private key (base64) in this file.", completion: .file()) var key: String?

    func run() async throws {
        let session = try await Session(global)
        let start = ContinuousClock.now
        let manifest = try await takeBackup(of: session, to: to, key: key)
        let seconds = (ContinuousClock.now - start).seconds
        let time = String(format: "%.1f", seconds)
        session.outcome(manifest.checkpoint == nil
                            ? "backed up \(manifest.events) events to \(to): head seq \(manifest.headSeq) hash \(manifest.headHash.prefix(16)), verified in \(time) s"
                            : "backed up \(manifest.events) events to \(to): head seq \(manifest.headSeq) hash \(manifest.headHash.prefix(16)), verified, signed in \(time) s",
                        [("to", .text(to)), ("events", .integer(manifest.events)), ("head_seq", .integer(Int(manifest.headSeq))),
                         ("head_hash", .digest(manifest.headHash)), ("signed", .flag(manifest.checkpoint != nil)), ("seconds", .hours(rounded2(seconds)))])
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Restore a backup into a new store, refusing one whose chain, manifest or signed checkpoint does not verify."),
        discussion: """
        Examples:
          dossier restore --from /srv/backups/dossier-2026-11-29 --store /srv/dossier-data-restored
          dossier restore --from /srv/backups/dossier-2026-11-29 --store /srv/dossier-data-restored --public-key office.key.pub
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The backup's directory.", completion: .directory) var from: String
    @Option(help: "The public key (base64) in this file that the backup's checkpoint must be signed with.", completion: .file()) var publicKey: String?

    func run() async throws {
        let manifest = try BackupManifest.read(from)
        var source = global
        source.storeOption = from
        source.readOnly = true
        let backup = try await Session(source)
        let report = try await backup.store.verify(nil)
        guard report.isIntact, let head = report.head else {
            throw ToolError("the backup in \(from) does not verify: \(report.failure.map(\.description) ?? "it is empty"); nothing restored",
                            exitCode: ExitCode.verificationFailed)
        }
        guard head.position.rawValue == manifest.headSeq, head.hash.hex == manifest.headHash else {
            throw ToolError("the backup's head (seq \(head.position), hash \(head.hash.hex.prefix(16))) is not its manifest's (seq \(manifest.headSeq), hash \(manifest.headHash.prefix(16))); nothing restored",
                            exitCode: ExitCode.verificationFailed)
        }
        if let publicKey {
            guard let text = manifest.checkpoint else { throw ToolError("the backup has no signed checkpoint to check with \(publicKey)", exitCode: ExitCode.verificationFailed) }
            let signed: CheckpointFile
            do { signed = try CheckpointFile.parse(text) } catch { throw ToolError("the backup's checkpoint: \(error)", exitCode: ExitCode.verificationFailed) }
            let key = try KeyFile.verifier(publicKey, origin: signed.origin ?? backup.origin)
            guard signed.isSigned(by: key), signed.size == head.position.rawValue, signed.headHash == head.hash else {
                throw ToolError("the backup's checkpoint is not signed by \(publicKey) for its head; nothing restored", exitCode: ExitCode.verificationFailed)
            }
        }
        guard let copying = backup.store as? any HotCopying else { throw ToolError("this backup's backend cannot be copied") }
        let target = global.store
        try emptyDirectory(target)
        let restored = try await copying.backup(to: target)
        guard restored.head == head else { throw ToolError("the restored store's head differs from the backup's", exitCode: ExitCode.verificationFailed) }
        if FileManager.default.fileExists(atPath: StoreSettings.file(from)) {
            try? FileManager.default.copyItem(atPath: StoreSettings.file(from), toPath: StoreSettings.file(target))
        }
        let restoredLine: Phrase = publicKey == nil
            ? "restored \(restored.checked) events from \(from) into \(target): head seq \(head.position) hash \(head.hash.hex.prefix(16)), verified; views are rebuilt on first use"
            : "restored \(restored.checked) events from \(from) into \(target): head seq \(head.position) hash \(head.hash.hex.prefix(16)), verified, signed checkpoint checked; views are rebuilt on first use"
        FileHandle.standardOutput.write(Data(global.renderer.outcome(global.language.say(restoredLine),
            [("from", .text(from)), ("store", .text(target)), ("events", .integer(restored.checked)),
             ("head_seq", .integer(Int(head.position.rawValue))), ("head_hash", .digest(head.hash.hex))]).utf8))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

struct Nightly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("The night's jobs in order: sweep, rebuild, verify, signed checkpoint, backup; stops at the first failure."),
        discussion: """
        One line per step (or, with --format json, one object with every step), and the exit code of the step that failed
        (1 operational, 3 verification failed). Run it from a timer (tools/deploy has systemd units).

        Example:
          dossier nightly --key /etc/dossier/office.key --checkpoints /srv/checkpoints --backups /srv/backups
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Sweep as of this instant (default: now).") var asOf: String?
    @Option(help: "Sign the checkpoint (and the backup's) with the Ed25519 private key (base64) in this file.", completion: .file()) var key: String?
    @Option(help: "Write the signed checkpoint into this directory, named by the time.", completion: .directory) var checkpoints: String?
    @Option(help: "Write the backup into a new directory in this one, named by the time.", completion: .directory) var backups: String?

    func validate() throws {
        try checkingUsage {
            _ = try instant(asOf, option: "as-of")
            if checkpoints != nil && key == nil { throw ToolError.usage("--checkpoints needs --key: a checkpoint kept outside the machine is signed") }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("run the night's jobs")
        let stamp = TimeGuard.wallClock().utcDescription.replacingOccurrences(of: ":", with: "-")
        var steps: [(name: String, ok: Bool, line: Phrase)] = []
        let language = global.language
        func finish(_ failure: ToolError?) throws {
            switch global.format {
            case .json:
                let rows = steps.map { "{\"step\":\(Renderer.quote($0.name)),\"ok\":\($0.ok),\"summary\":\(Renderer.quote($0.line.description))}" }
                session.write("{\"ok\":\(failure == nil),\"steps\":[" + rows.joined(separator: ",") + "]}\n")
            case .table, .csv, .xlsx:
                for step in steps {
                    let name = language == .vi ? Phrasebook.nightSteps[step.name] ?? step.name : step.name
                    session.write("\(step.ok ? "ok    " : "FAILED") \(name): \(language.say(step.line))\n")
                }
            }
            if let failure { throw ToolError("the night stopped at \(steps.last?.name ?? "?"): \(failure)", exitCode: failure.exitCode) }
        }
        func step(_ name: String, _ body: () async throws -> Phrase) async throws -> Bool {
            do {
                steps.append((name, true, try await body()))
                return true
            } catch let error as ToolError {
                steps.append((name, false, error.phrase))
                try finish(error)
            } catch {
                let failure = (error as? any PhrasedError).map { ToolError($0.phrase) } ?? ToolError("\(Session.message(error, .en))")
                steps.append((name, false, failure.phrase))
                try finish(failure)
            }
            return false
        }
        let at = try instant(asOf, option: "as-of") ?? TimeGuard.wallClock()
        guard try await step("sweep", {
            let result = try await session.inspector().sweep(asOf: at)
            return "\(result.appended.count) deadline_missed appended, \(result.alreadyPresent) already recorded"
        }) else { return }
        guard try await step("rebuild", {
            let start = ContinuousClock.now
            try await session.projectionEngine().rebuild(builtInProjections)
            return "every projection rebuilt from seq 1 in \(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s"
        }) else { return }
        guard try await step("verify", {
            let report = try await session.store.verify(nil)
            guard report.isIntact, let head = report.head else {
                throw ToolError(report.failure.map { "verification FAILED: \($0)" } ?? "verification FAILED: the log is empty", exitCode: ExitCode.verificationFailed)
            }
            return "\(report.checked) events, every hash link holds; head \(head)"
        }) else { return }
        guard try await step("checkpoint", {
            guard let head = try await session.store.head() else { throw ToolError("the log is empty") }
            guard let key else { return "head seq \(head.position) hash \(head.hash.hex) (not signed: no --key)" }
            let signed = try await session.signedCheckpoint(at: head, signer: try KeyFile.signer(key, origin: session.origin))
            guard let checkpoints else { return "signed at seq \(head.position) (not kept: no --checkpoints)" }
            try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
            let file = checkpoints + "/\(stamp).checkpoint"
            guard FileManager.default.createFile(atPath: file, contents: Data(signed.written.utf8)) else { throw ToolError("cannot write \(file)") }
            return "signed at seq \(head.position), written to \(file)"
        }) else { return }
        if let backups {
            guard try await step("backup", {
                let directory = backups + "/dossier-\(stamp)"
                let manifest = try await takeBackup(of: session, to: directory, key: key)
                return "\(manifest.events) events to \(directory), verified"
            }) else { return }
        }
        try finish(nil)
    }
}
