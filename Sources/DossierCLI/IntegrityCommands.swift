import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import ReportFormats
import Views

// Commands that check the log and say what it holds: verify, checkpoint, verify-export, stats.

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Recompute every hash link of the log (or from a seq); exit code 3 when it is broken."),
        discussion: """
        With --checkpoint and --public-key, also prove that the log still extends a signed checkpoint (see
        `dossier checkpoint`): a log rewritten after it fails, even when every hash was recomputed.

        Examples:
          dossier verify
          dossier verify --from 500000
          dossier verify --checkpoint 2026-11-29.checkpoint --public-key office.key.pub
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "First seq to check.") var from: UInt64?
    @Option(help: "A signed checkpoint the log must still extend.") var checkpoint: String?
    @Option(help: "The file of the public key (base64) the checkpoint must be signed with.", completion: .file()) var publicKey: String?

    func validate() throws {
        try checkingUsage {
            if (checkpoint == nil) != (publicKey == nil) { throw ToolError.usage("--checkpoint and --public-key go together") }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        var signed: CheckpointFile?
        if let checkpoint, let publicKey {
            let parsed = try CheckpointFile.read(checkpoint)
            guard parsed.isSigned(by: try KeyFile.verifier(publicKey, origin: parsed.origin ?? session.origin)) else {
                throw ToolError("verification FAILED: the checkpoint's signature does not verify with \(publicKey)", exitCode: ExitCode.verificationFailed)
            }
            try await session.requireExtends(parsed)
            signed = parsed
        }
        guard let head = try await session.store.head() else { session.say("the log is empty\n"); return }
        let first = GlobalPosition(signed == nil ? (from ?? 1) : 1)
        let bar = ProgressBar(global.language.say("verifying"))
        let total = Int(head.position.rawValue - first.rawValue + 1)
        let report = try await session.store.verify(first...head.position) { bar.update(WorkProgress(done: $0, total: total)) }
        bar.finish()
        if let failure = report.failure {
            throw ToolError("verification FAILED: \(failure)", exitCode: 3)
        }
        let verified: Phrase = "verified \(report.checked) events: every hash link holds; head \(head)"
        session.outcome(signed.map { .joined([verified, "the log extends the signed checkpoint at seq \($0.size)"], separator: "\n") } ?? verified,
                        [("checked", .integer(report.checked)), ("intact", .flag(true)), ("head_seq", .integer(Int(head.position.rawValue))),
                         ("head_hash", .digest(head.hash.hex)), ("extends_checkpoint_seq", signed.map { .integer(Int($0.size)) } ?? .null)])
    }
}

struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Print the log's head (seq, hash, time); with --key, a signed checkpoint to keep outside this machine."),
        discussion: """
        Examples:
          dossier checkpoint --new-key office.key          (writes office.key, private, and office.key.pub)
          dossier checkpoint --key office.key --output 2026-11-29.checkpoint
          dossier verify --checkpoint 2026-11-29.checkpoint --public-key office.key.pub
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Sign with the signer key in this file (from --new-key).", completion: .file()) var key: String?
    var output: String? { global.output }
    @Option(help: "Create a key pair: the signer key in this file (mode 0600), the verifier key beside it (.pub).", completion: .file()) var newKey: String?
    @Option(help: "The new key's name (default: the log's origin; a witness: its own name, e.g. thanhtra.example/w1).") var keyName: String?

    func run() async throws {
        if let newKey {
            let signer: NoteSigner
            let location = try global.location()
            let name = if let keyName { keyName } else if location.exists { try await Session(global).origin } else { location.defaultOrigin }
            do { signer = try NoteSigner(name: name) } catch { throw ToolError.usage("--key-name: \(error)") }
            guard FileManager.default.createFile(atPath: newKey, contents: Data((signer.signerKey + "\n").utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: newKey + ".pub", contents: Data((signer.verifier.verifierKey + "\n").utf8)) else {
                throw ToolError("cannot write \(newKey) and \(newKey).pub")
            }
            FileHandle.standardOutput.write(Data(global.language.say("wrote \(newKey) (keep it secret) and \(newKey).pub (give it to the inspectors)\n").utf8))
            return
        }
        let session = try await Session(global)
        guard let head = try await session.store.head() else { throw ToolError("the log is empty: nothing to checkpoint") }
        let recorded = Instant(microsecondsSinceEpoch: head.recorded.rawValue)
        guard let key else {
            session.outcome("seq \(head.position)\nhash \(head.hash.hex)\nrecorded \(recorded.utcDescription)",
                            [("seq", .integer(Int(head.position.rawValue))), ("hash", .digest(head.hash.hex)), ("recorded", .text(recorded.utcDescription))])
            return
        }
        let signed = try await session.signedCheckpoint(at: head, signer: try KeyFile.signer(key, origin: session.origin))
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(signed.written.utf8)) else { throw ToolError("cannot write \(output)") }
            session.outcome("signed checkpoint at seq \(head.position) written to \(output)",
                            [("seq", .integer(Int(head.position.rawValue))), ("hash", .digest(head.hash.hex)), ("output", .text(output))])
        } else {
            session.write(signed.written)
        }
    }
}

struct VerifyExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: spoken("Check an exported JSON Lines file on its own, without a store; exit code 3 when a hash does not recompute."),
        discussion: """
        Every line's record is rebuilt from its fields, its hash recomputed over the hash of the event before it, and its
        link to the dossier's previous line checked. A whole-log export is checked from seq 1; an export of one dossier
        (or a seq range) carries previous_hash on each line, so each record still recomputes, and the global links that
        reach events outside the file are said to be not checkable from it.

        Examples:
          dossier export --output log.jsonl && dossier verify-export log.jsonl
          dossier export --dossier 000.00.17.H19-250304-0001 > one.jsonl && dossier verify-export one.jsonl
        """)

    @Option(name: .long, help: "Labels: en or vi.") var lang: Language?
    @Option(name: .long, help: "Output: table (for people), json or csv (for scripts).") var format: Format = .table
    @Argument(help: "The exported file.", completion: .file(extensions: ["jsonl"])) var file: String

    func run() async throws {
        try checkReadableFile(file)
        let bar = ProgressBar((lang ?? Language.fromEnvironment).say("verifying \(file)"))
        let result = try ExportVerifier.verify(path: file) { bar.update(WorkProgress(done: $0, total: max($0, estimatedLines(file)))) }
        bar.finish()
        if let failure = result.failure { throw ToolError("verification FAILED: \(failure)", exitCode: 3) }
        let range = "seq \(result.first.map(String.init(describing:)) ?? "-") to \(result.last.map(\.description) ?? "-")"
        var parts: [Phrase] = []
        if result.globalLinksUnchecked == 0 && result.recordsUnchecked == 0 {
            parts.append("verified \(result.lines) lines, \(range): every hash recomputes and every link holds")
        } else {
            parts.append("verified \(result.lines) lines of \(result.streams) streams, \(range): every record recomputes to its hash and links to its dossier's previous event")
            if result.recordsUnchecked > 0 {
                parts.append("; \(result.recordsUnchecked) lines could not be recomputed (their previous event is not in the file, and no previous_hash)")
            }
            parts.append(". A part of the log: the global links of \(result.globalLinksUnchecked) lines reach events not in the file and cannot be checked from it (check them against the store, with dossier verify, or a signed checkpoint)")
        }
        let language = lang ?? Language.fromEnvironment
        let outcome = Renderer(format: format, language: language).outcome(language.say(.joined(parts, separator: "")), [
            ("lines", .integer(result.lines)), ("streams", .integer(result.streams)),
            ("first_seq", result.first.map { .integer(Int($0.rawValue)) } ?? .null), ("last_seq", result.last.map { .integer(Int($0.position.rawValue)) } ?? .null),
            ("last_hash", result.last.map { .digest($0.hash.hex) } ?? .null), ("records_verified", .integer(result.lines - result.recordsUnchecked)),
            ("records_unchecked", .integer(result.recordsUnchecked)), ("global_links_unchecked", .integer(result.globalLinksUnchecked)),
        ])
        FileHandle.standardOutput.write(Data(outcome.utf8))
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Events, dossiers, head seq and hash, store size, projection checkpoints."),
        discussion: "Example:\n  dossier stats")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let session = try await Session(global)
        let statistics = try await LedgerStatistics.gather(try session.projectionEngine(readOnly: true))
        switch global.format {
        case .json: session.write(Renderer.json(statistics))
        // CSV carries the values as JSON has them (bytes as a number), not the table's text.
        case .csv:
            session.write("item,value\n" + statistics.items.map { "\($0.0),\(global.renderer.csvField($0.1.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))\n" }.joined())
        case .table, .xlsx:
            let renderer = global.renderer, language = global.language
            var rows = [[renderer.label("item"), language.say("value")]]
            rows.append([renderer.label("events"), "\(statistics.head?.position.rawValue ?? 0)"])
            rows.append([renderer.label("dossiers"), "\(statistics.dossiers)"])
            rows.append([renderer.label("head_seq"), statistics.head.map { "\($0.position)" } ?? "-"])
            rows.append([renderer.label("head_hash"), statistics.head?.hash.hex ?? "-"])
            rows.append([renderer.label("store_bytes"), String(format: "%.1f MiB", Double(statistics.storeBytes) / 1_048_576)])
            rows.append([renderer.label("calendar_loaded_through"), statistics.calendarLoadedThrough.map(String.init) ?? "-"])
            for (name, status) in statistics.projections {
                rows.append([renderer.label("projection_\(name)"), status.map { language.say("v\($0.version.map(String.init) ?? "?") at \($0.checkpoint)") }
                    ?? language.say("not built (run `dossier rebuild`)")])
            }
            session.write(Renderer.align(rows))
            if let text = statistics.calendarWarning { session.say("\nwarning: \(text)\n") }
        }
    }
}
