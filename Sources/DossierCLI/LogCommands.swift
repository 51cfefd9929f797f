import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import Views

/// Catalog files named by options, recorded in the log.
struct CatalogFiles: ParsableArguments {
    @Option(help: "A procedure catalog (JSON array, events.md).") var procedures: String?
    @Option(help: "A unit catalog (JSON array).") var units: String?
    @Option(help: "An officer catalog (JSON array).") var officers: String?
    @Option(help: ArgumentHelp("Calendar years: [{\"year\": 2027, \"notice\": \"…\", \"days_off\": [\"2027-01-01\"], \"saturdays_worked\": []}].",
                               valueName: "file")) var calendar: String?
    @Option(help: ArgumentHelp("A unit's own closed days: [{\"unit\": \"H19.X03\", \"closed\": [\"2026-08-10\"]}].", valueName: "file"))
    var closedDays: String?

    var isEmpty: Bool { procedures == nil && units == nil && officers == nil && calendar == nil && closedDays == nil }

    func record(_ session: Session) async throws -> ImportSummary? {
        var entries: [CatalogEntry] = []
        for (path, kind) in [(procedures, CatalogEntry.Kind.procedure), (units, .unit), (officers, .officer),
                             (calendar, .calendarYear), (closedDays, .closedDays)] {
            guard let path else { continue }
            let data = try readFile(path)
            do {
                entries += try CatalogEntry.parseFile(data, kind: kind)
            } catch {
                throw ToolError("\(path): \(error.description)")
            }
        }
        guard !entries.isEmpty else { return nil }
        try session.requireWritable("record catalogs")
        return try await session.ledger.record(entries)
    }
}

/// Checks that `path` is a readable file, with an error that says why not (missing, a directory, unreadable).
func checkReadableFile(_ path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ToolError("\(path): no such file") }
    guard !isDirectory.boolValue else { throw ToolError("\(path) is a directory; give a file") }
    guard access(path, R_OK) == 0 else { throw ToolError("\(path): cannot be read (check its permissions)") }
}

/// About how many lines a file holds: its size over the mean length of its first MiB's lines.
func estimatedLines(_ path: String) -> Int {
    guard let handle = FileHandle(forReadingAtPath: path), let sample = try? handle.read(upToCount: 1 << 20), !sample.isEmpty,
          let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int else { return 0 }
    let newlines = max(1, sample.reduce(0) { $1 == 0x0a ? $0 + 1 : $0 })
    return size * newlines / sample.count
}

/// The bytes of a file (see ``checkReadableFile(_:)``).
func readFile(_ path: String) throws -> Data {
    try checkReadableFile(path)
    guard let data = FileManager.default.contents(atPath: path) else { throw ToolError("\(path): cannot be read") }
    return data
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a store and record the catalogs in it.",
        discussion: """
        With --group, members of that Unix group (inspectors' own accounts) may open the store read-only: the directories
        become setgid (new files, projections included, take the group), data files 0640, LMDB lock files 0660 (readers
        record themselves there). Run it again to share an existing store.

        Examples:
          dossier init --store ./dossier-data --procedures procedures.json --units units.json --officers officers.json
          dossier init --store /srv/dossier-data --group inspectors
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var catalogs: CatalogFiles
    @Option(help: "Minutes an event may be dated after the instant it is appended (0 to 60; default 5; kept in the store's settings.json).")
    var timeTolerance: Int?
    @Option(help: "A Unix group whose members may read the store (--read-only): files 0640, lock files 0660, directories setgid.")
    var group: String?

    func validate() throws {
        if let timeTolerance, !(0...60).contains(timeTolerance) { throw ValidationError("--time-tolerance is 0 to 60 minutes, not \(timeTolerance)") }
    }

    func run() async throws {
        if let timeTolerance {
            try FileManager.default.createDirectory(atPath: global.store, withIntermediateDirectories: true)
            var settings = try StoreSettings.read(global.store)
            settings.timeToleranceMinutes = timeTolerance
            try settings.write(global.store)
        }
        let session = try Session(global, creating: true)
        let summary = try await catalogs.record(session)
        if let group { try StoreSharing.share(global.store, withGroup: group) }
        session.write("store ready at \(global.store)" + (summary.map { "; catalog entries: \($0.appended) recorded, \($0.duplicates) already there" } ?? "")
            + "; time tolerance \(session.ledger.timeGuard.minutes) min" + (group.map { "; readable by group \($0)" } ?? "") + "\n")
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import dossier events (JSON Lines, a file or - for standard input) and catalogs.",
        discussion: """
        A file is one atomic batch: on the first invalid line nothing is stored and the error names the line, the event id,
        the field and the rule. With --rejects, the valid events are stored and each rejected line is written, unchanged,
        after a `# line N: reason` comment. Importing the same file again stores nothing new.

        Examples:
          dossier import events.jsonl
          dossier import events.jsonl --rejects rejected.jsonl
          dossier import --procedures procedures.json
          dossier import --calendar calendar-2027.json
          cat export.jsonl | dossier import --replica -
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var catalogs: CatalogFiles
    @Argument(help: "The events file, or - for standard input.") var file: String?
    @Option(help: "Keep the valid lines; write the rejected ones here with their reasons.") var rejects: String?
    @Flag(help: "Reproduce an export's seq, version, recorded time and hash (into an empty store).") var replica = false

    func validate() throws {
        if file == nil && catalogs.isEmpty {
            throw ValidationError("give an events file (or -) or a catalog (--procedures, --units, --officers, --calendar, --closed-days)")
        }
    }

    func run() async throws {
        let session = try Session(global)
        if let summary = try await catalogs.record(session) {
            session.write("catalog entries: \(summary.appended) recorded, \(summary.duplicates) already there\n")
        }
        guard let file else { return }
        try session.requireWritable("import")
        let mode: ImportMode = rejects.map { .keepValid(rejectsPath: $0) } ?? .atomic
        let start = ContinuousClock.now
        let summary: ImportSummary
        if file == "-" {
            summary = try await session.ledger.importEvents(reading: .standardInput, mode: mode, replica: replica)
        } else {
            try checkReadableFile(file)
            let bar = ProgressBar("importing")
            let lines = estimatedLines(file)
            summary = try await session.ledger.importEvents(path: file, mode: mode, replica: replica) { bar.update(WorkProgress(done: $0, total: max(lines, $0))) }
            bar.finish()
        }
        let seconds = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        var line = "imported \(file): \(summary.appended) events stored, \(summary.duplicates) already stored"
        if summary.rejected > 0 { line += ", \(summary.rejected) rejected (see \(rejects ?? "the rejects file"))" }
        if let positions = summary.positions { line += ", seq \(positions.lowerBound)–\(positions.upperBound)" }
        session.write(line + String(format: " in %.1f s\n", seconds))
    }
}

struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append one event, checked as an import would, at the dossier's expected version.",
        discussion: """
        Give the event as JSON, or with flags (type fields as --field name=value).

        Examples:
          dossier append --json '{"id":"e9","dossier":"000.00.17.H19-250304-0001","type":"processed","at":"2025-03-06T15:30:00+07:00","actor":"cv.tuphap.02","unit":"H19.17.TP","outcome":"approved"}'
          dossier append --id e9 --dossier 000.00.17.H19-250304-0001 --type processed --at 2025-03-06T15:30:00+07:00 \\
            --actor cv.tuphap.02 --unit H19.17.TP --field outcome=approved --expected-version 2
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The whole event as one JSON object.") var json: String?
    @Option var id: String?
    @Option var dossier: String?
    @Option var type: String?
    @Option(help: "RFC 3339 with an offset.") var at: String?
    @Option var actor: String?
    @Option var unit: String?
    @Option(help: "A type field, name=value (repeat for more).") var field: [String] = []
    @Option(help: "The dossier's version this event must follow (0: a new dossier).") var expectedVersion: UInt64?

    func validate() throws {
        if json == nil && [id, dossier, type, at, actor, unit].contains(where: { $0 == nil }) {
            throw ValidationError("give --json, or all of --id --dossier --type --at --actor --unit")
        }
        for f in field where !f.contains("=") { throw ValidationError("--field \(f): write name=value") }
    }

    /// Type fields whose values are JSON numbers, booleans or arrays, written as given.
    static let literalFields: Set<String> = ["step_hours", "minutes", "complaint", "items"]

    /// The flags as a JSON object (type fields as strings, but for ``literalFields``).
    var jsonText: String {
        if let json { return json }
        var pairs = [("id", id), ("dossier", dossier), ("type", type), ("at", at), ("actor", actor), ("unit", unit)]
            .compactMap { key, value in value.map { "\(Renderer.quote(key)):\(Renderer.quote($0))" } }
        for f in field {
            let (name, value) = (String(f.prefix { $0 != "=" }), String(f.drop { $0 != "=" }.dropFirst()))
            let literal = Append.literalFields.contains(name) && !value.isEmpty
            pairs.append("\(Renderer.quote(name)):\(literal ? value : Renderer.quote(value))")
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    func run() async throws {
        let session = try Session(global)
        try session.requireWritable("append")
        let event = try DossierEvent.parse(jsonText).event
        let result = try await session.ledger.append(event, expected: expectedVersion.map { StreamVersion($0) })
        if let position = result.positions?.lowerBound {
            session.write("appended \(event.id) at seq \(position), dossier \(event.dossier) version \(result.streamVersions.values.first.map(\.description) ?? "?")\n")
        } else {
            session.write("\(event.id) was already stored with the same content; nothing appended\n")
        }
    }
}

struct VoidEntry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void",
        abstract: "Correct a wrong entry: append a `voided` event naming it, checked like any append.",
        discussion: """
        The log never changes: the wrong event stays, marked voided, and every view uses the effective events only. Only
        the dossier's latest effective event (other than deadline_missed) can be voided; undo several latest first.

        Examples:
          dossier void --target e7 --reason "forwarded to the wrong unit" --actor cv.tuphap.02
          dossier void --target e7 --reason "nhập nhầm" --actor cv.tuphap.02 --at 2025-03-06T16:00:00+07:00 --id e7-void
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The id of the event to void.") var target: String
    @Option(help: "Why it was wrong (kept in the log).") var reason: String
    @Option(help: "The officer making the correction.") var actor: String
    @Option(help: "The correction's own id (default: <target>.void, when that fits in 64 characters).") var id: String?
    @Option(help: "When it is made (RFC 3339 with an offset; default: now).") var at: String?
    @Option(help: "The unit where it is made (default: the officer's unit in the catalog, else the target's unit).") var unit: String?

    func validate() throws { _ = try instant(at, option: "at") }

    func run() async throws {
        let session = try Session(global)
        try session.requireWritable("void")
        guard let stored = try await session.ledger.store.event(id: EventID(target)),
              case .dossier(let wrong) = try Records.decode(stored) else {
            throw ToolError("no dossier event \(target) in the store; give the id of the wrong event (`dossier history CODE` lists them)")
        }
        let rules = try await session.ledger.rules()
        let eventID = id ?? "\(target).void"
        guard eventID.utf8.count <= 64 else { throw ToolError("the default id \(eventID) is longer than 64 characters; give --id") }
        let event = DossierEvent(id: eventID, dossier: wrong.dossier, at: try instant(at, option: "at") ?? TimeGuard.wallClock(),
                                 actor: actor, unit: unit ?? rules.catalog.officers[actor]?.unit ?? wrong.unit,
                                 body: .voided(Voided(target: target, reason: reason)))
        // Through the JSON form, so that the fields are checked exactly as in an import.
        let checked = try DossierEvent.parse(event.jsonLine()).event
        let result = try await session.ledger.append(checked, rules: rules)
        if let position = result.positions?.lowerBound {
            session.write("voided \(target) (\(wrong.type.rawValue) of \(wrong.dossier)) by \(eventID) at seq \(position)\n")
        } else {
            session.write("\(eventID) was already stored with the same content; nothing appended\n")
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the log (or one dossier, or a seq range) as JSON Lines with seq, version, recorded and hash.",
        discussion: """
        Examples:
          dossier export > log.jsonl
          dossier export --dossier 000.00.17.H19-250304-0001
          dossier export --from 1000 --through 2000 --output part.jsonl
        """)

    @OptionGroup var global: GlobalOptions
    @Option var dossier: String?
    @Option(help: "First seq.") var from: UInt64 = 1
    @Option(help: "Last seq.") var through: UInt64?
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let session = try Session(global)
        var handle = FileHandle.standardOutput
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
                throw ToolError("cannot write \(output)")
            }
            handle = file
        }
        var buffer = ""
        let count = try await session.ledger.export(dossier: dossier, from: GlobalPosition(from), through: through.map { GlobalPosition($0) }) { line in
            buffer += line + "\n"
            if buffer.utf8.count > 1 << 20 { handle.write(Data(buffer.utf8)); buffer = "" }
        }
        handle.write(Data(buffer.utf8))
        if output != nil { session.write("exported \(count) lines to \(output ?? "")\n") }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every hash link of the log (or from a seq); exit code 3 when it is broken.",
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
    @Option(help: "The public key (base64) the checkpoint must be signed with.") var publicKey: String?

    func validate() throws {
        if (checkpoint == nil) != (publicKey == nil) { throw ValidationError("--checkpoint and --public-key go together") }
    }

    func run() async throws {
        let session = try Session(global)
        var signed: SignedCheckpoint?
        if let checkpoint, let publicKey {
            let parsed: SignedCheckpoint
            do {
                parsed = try SignedCheckpoint(text: String(decoding: try readFile(checkpoint), as: UTF8.self))
            } catch let error as CheckpointError {
                throw ToolError("\(checkpoint): \(error)")
            }
            guard let key = Data(base64Encoded: String(decoding: try readFile(publicKey), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  key.count == 32 else { throw ToolError("\(publicKey) does not hold a base64 Ed25519 public key (32 bytes)") }
            guard parsed.isSigned(by: key) else {
                throw ToolError("verification FAILED: the checkpoint's signature does not verify with \(publicKey)", exitCode: 3)
            }
            let stored = try await session.store.readAll(from: parsed.head.position, limit: 1).first
            guard let stored, stored.position == parsed.head.position else {
                throw ToolError("verification FAILED: the log ends before seq \(parsed.head.position) of the checkpoint: events were removed", exitCode: 3)
            }
            guard stored.hash == parsed.head.hash else {
                throw ToolError("verification FAILED: seq \(stored.position) has hash \(stored.hash.hex.prefix(16))…, the signed checkpoint says \(parsed.head.hash.hex.prefix(16))…: the log was rewritten", exitCode: 3)
            }
            signed = parsed
        }
        guard let head = try await session.store.head() else { session.write("the log is empty\n"); return }
        let first = GlobalPosition(signed == nil ? (from ?? 1) : 1)
        let bar = ProgressBar("verifying")
        let total = Int(head.position.rawValue - first.rawValue + 1)
        let report = try await session.store.verify(first...head.position) { bar.update(WorkProgress(done: $0, total: total)) }
        bar.finish()
        if let failure = report.failure {
            throw ToolError("verification FAILED: \(failure)", exitCode: 3)
        }
        session.write("verified \(report.checked) events: every hash link holds; head \(head)\n")
        if let signed { session.write("the log extends the signed checkpoint at seq \(signed.head.position)\n") }
    }
}

struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the log's head (seq, hash, time); with --key, a signed checkpoint to keep outside this machine.",
        discussion: """
        Examples:
          dossier checkpoint --new-key office.key          (writes office.key, private, and office.key.pub)
          dossier checkpoint --key office.key --output 2026-11-29.checkpoint
          dossier verify --checkpoint 2026-11-29.checkpoint --public-key office.key.pub
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Sign with this Ed25519 private key (base64).") var key: String?
    @Option(help: "Write the signed checkpoint here instead of standard output.") var output: String?
    @Option(help: "Create a key pair: the private key in this file (mode 0600), the public key beside it (.pub).") var newKey: String?

    func run() async throws {
        if let newKey {
            let (privateKey, publicKey) = SignedCheckpoint.newKeyPair()
            guard FileManager.default.createFile(atPath: newKey, contents: Data((privateKey.base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: newKey + ".pub", contents: Data((publicKey.base64EncodedString() + "\n").utf8)) else {
                throw ToolError("cannot write \(newKey) and \(newKey).pub")
            }
            FileHandle.standardOutput.write(Data("wrote \(newKey) (keep it secret) and \(newKey).pub (give it to the inspectors)\n".utf8))
            return
        }
        let session = try Session(global)
        guard let head = try await session.store.head() else { throw ToolError("the log is empty: nothing to checkpoint") }
        guard let key else {
            session.write("seq \(head.position)\nhash \(head.hash.hex)\nrecorded \(Instant(microsecondsSinceEpoch: head.recorded.rawValue).utcDescription)\n")
            return
        }
        guard let privateKey = Data(base64Encoded: String(decoding: try readFile(key), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ToolError("\(key) does not hold a base64 key; create one with `dossier checkpoint --new-key FILE`")
        }
        let signed: SignedCheckpoint
        do { signed = try SignedCheckpoint(signing: head, privateKey: privateKey) } catch { throw ToolError("\(key): \(error)") }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(signed.text.utf8)) else { throw ToolError("cannot write \(output)") }
            session.write("signed checkpoint at seq \(head.position) written to \(output)\n")
        } else {
            session.write(signed.text)
        }
    }
}

struct VerifyExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Check an exported JSON Lines file on its own, without a store; exit code 3 when a hash does not recompute.",
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
    @Argument(help: "The exported file.") var file: String

    func run() async throws {
        try checkReadableFile(file)
        let bar = ProgressBar("verifying \(file)")
        let result = try ExportVerifier.verify(path: file) { bar.update(WorkProgress(done: $0, total: max($0, estimatedLines(file)))) }
        bar.finish()
        if let failure = result.failure { throw ToolError("verification FAILED: \(failure)", exitCode: 3) }
        let range = "seq \(result.first.map(String.init(describing:)) ?? "-") to \(result.last.map(\.description) ?? "-")"
        var message: String
        if result.globalLinksUnchecked == 0 && result.recordsUnchecked == 0 {
            message = "verified \(result.lines) lines, \(range): every hash recomputes and every link holds"
        } else {
            message = "verified \(result.lines) lines of \(result.streams) \(result.streams == 1 ? "stream" : "streams"), \(range): "
                + "every record recomputes to its hash and links to its dossier's previous event"
            if result.recordsUnchecked > 0 {
                message += "; \(result.recordsUnchecked) lines could not be recomputed (their previous event is not in the file, and no previous_hash)"
            }
            message += ". A part of the log: the global links of \(result.globalLinksUnchecked) lines reach events not in the file "
                + "and cannot be checked from it (check them against the store, with dossier verify, or a signed checkpoint)"
        }
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Events, dossiers, head seq and hash, store size, projection checkpoints.",
        discussion: "Example:\n  dossier stats")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let session = try Session(global)
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
        items.append(("calendar_warning", warning.text.map(Renderer.quote) ?? "null", warning.text ?? "-"))
        let engine = try ProjectionEngine(storePath: global.store, ledger: session.ledger, readOnly: true)
        for name in builtInProjections.map({ $0.name }) {
            let status = try engine.status(of: name)
            items.append(("projection_\(name)",
                          status.map { "{\"version\":\($0.version.map(String.init) ?? "null"),\"seq\":\($0.checkpoint.position),\"hash\":\"\($0.checkpoint.hash.hex)\"}" } ?? "null",
                          status.map { "v\($0.version.map(String.init) ?? "?") at \($0.checkpoint)" } ?? "not built (run `dossier rebuild`)"))
        }
        switch global.format {
        case .json: session.write("{" + items.map { "\(Renderer.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}\n")
        case .csv: session.write("item,value\n" + items.map { "\($0.0),\($0.2)\n" }.joined())
        case .table:
            session.write(Renderer.align([["item", "value"]] + items.filter { $0.0 != "calendar_warning" }.map { [$0.0.replacingOccurrences(of: "_", with: " "), $0.2] }))
            if let text = warning.text { session.write("\nwarning: \(text)\n") }
        }
    }

    /// The last calendar year loaded, and a warning when the latest event (the latest `at` among
    /// the last 4,096 events appended) is within 60 days of its end: dues will soon reach a year
    /// whose days off are unknown, and views would leave those dossiers unjudged.
    private func calendarWarning(_ session: Session) async throws -> (year: Int?, text: String?) {
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
        return (last, "the latest event (\(latest.localDate)) is \(max(daysLeft, 0)) days from the end of \(last), the last calendar year loaded: "
            + "load the notice of \(last + 1) (dossier import --calendar FILE) before dues reach it, or views will leave those dossiers unjudged")
    }
}
