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
        let head = try await session.store.head()
        let statistics = try await session.store.statistics()
        let dossiers = Int(statistics.streams) - 1  // the catalog's system stream aside
        // (field, JSON value, text) in a stable order.
        var items: [(String, String, String)] = [
            ("events", "\(head?.position.rawValue ?? 0)", "\(head?.position.rawValue ?? 0)"),
            ("dossiers", "\(max(0, dossiers))", "\(max(0, dossiers))"),
            ("head_seq", head.map { "\($0.position)" } ?? "null", head.map { "\($0.position)" } ?? "-"),
            ("head_hash", head.map { Renderer.quote($0.hash.hex) } ?? "null", head?.hash.hex ?? "-"),
            ("store_bytes", "\(statistics.bytes)", String(format: "%.1f MiB", Double(statistics.bytes) / 1_048_576)),
        ]
        let warning = try await calendarWarning(session)
        items.append(("calendar_loaded_through", warning.year.map(String.init) ?? "null", warning.year.map(String.init) ?? "-"))
        items.append(("calendar_warning", warning.text.map { Renderer.quote($0.description) } ?? "null", "-"))
        let engine = try session.projectionEngine(readOnly: true)
        for name in builtInProjections.map({ $0.name }) {
            let status = try engine.status(of: name)
            items.append(("projection_\(name)",
                          status.map { "{\"version\":\($0.version.map(String.init) ?? "null"),\"seq\":\($0.checkpoint.position),\"hash\":\"\($0.checkpoint.hash.hex)\"}" } ?? "null",
                          status.map { global.language.say("v\($0.version.map(String.init) ?? "?") at \($0.checkpoint)") } ?? global.language.say("not built (run `dossier rebuild`)")))
        }
        switch global.format {
        case .json: session.write("{" + items.map { "\(Renderer.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}\n")
        // CSV carries the values as JSON has them (bytes as a number), not the table's text.
        case .csv: session.write("item,value\n" + items.map { "\($0.0),\(global.renderer.csvField($0.1.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))\n" }.joined())
        case .table, .xlsx:
            let renderer = global.renderer
            session.write(Renderer.align([[renderer.label("item"), global.language.say("value")]]
                + items.filter { $0.0 != "calendar_warning" }.map { [renderer.label($0.0), $0.2] }))
            if let text = warning.text { session.say("\nwarning: \(text)\n") }
        }
    }

    /// The last calendar year loaded, and a warning when the latest event (the latest `at` among
    /// the last 4,096 events appended) is within 60 days of its end: dues will soon reach a year
    /// whose days off are unknown, and views would leave those dossiers unjudged.
    private func calendarWarning(_ session: Session) async throws -> (year: Int?, text: Phrase?) {
        let years = try await session.ledger.rules().calendar.loadedYears.map(\.year)
        guard let last = years.max() else { return (nil, nil) }
        guard let head = try await session.store.head() else { return (last, nil) }
        let from = GlobalPosition(head.position.rawValue > 4096 ? head.position.rawValue - 4095 : 1)
        var latest: Instant?
        for record in try await session.store.readAll(from: from, limit: 4096) {
            if case .dossier(let event) = try Records.decode(record) { latest = max(latest ?? event.at, event.at) }
        }
        guard let latest else { return (last, nil) }
        let end = LocalDate(year: last, month: 12, day: 31)
        let daysLeft = end.daysSinceEpoch - latest.localDate.daysSinceEpoch
        guard daysLeft <= 60 else { return (last, nil) }
        return (last, "the latest event (\(latest.localDate)) is \(max(daysLeft, 0)) days from the end of \(last), the last calendar year loaded: load the notice of \(last + 1) (dossier import --calendar FILE) before dues reach it, or views will leave those dossiers unjudged")
    }
}
