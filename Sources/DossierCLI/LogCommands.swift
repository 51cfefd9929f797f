import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import ReportFormats
import Views

/// Catalog files named by options, recorded in the log.
struct CatalogFiles: ParsableArguments {
    @Option(help: "A procedure catalog (JSON array).", completion: .file(extensions: ["json"])) var procedures: String?
    @Option(help: "A unit catalog (JSON array).", completion: .file(extensions: ["json"])) var units: String?
    @Option(help: "An officer catalog (JSON array).", completion: .file(extensions: ["json"])) var officers: String?
    @Option(help: ArgumentHelp("Calendar years: [{\"year\": 2027, \"notice\": \"…\", \"days_off\": [\"2027-01-01\"], \"saturdays_worked\": []}].",
                               valueName: "file"), completion: .file(extensions: ["json"])) var calendar: String?
    @Option(help: ArgumentHelp("A unit's own closed days: [{\"unit\": \"H19.X03\", \"closed\": [\"2026-08-10\"]}].", valueName: "file"),
            completion: .file(extensions: ["json"]))
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
        abstract: spoken("Create a store and record the catalogs in it."),
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
    @Option(help: "The log's name in signed checkpoints, e.g. h19.example.gov.vn/dossiers (default: dossierledger/<the store directory's name>).")
    var origin: String?

    func validate() throws {
        try checkingUsage {
            if let timeTolerance, !(0...60).contains(timeTolerance) { throw ToolError.usage("--time-tolerance is 0 to 60 minutes, not \(timeTolerance)") }
            if let origin, origin.isEmpty || origin.contains(where: { $0.isWhitespace || $0 == "+" }) {
                throw ToolError.usage("--origin is a name without spaces or +, such as h19.example.gov.vn/dossiers, not \"\(origin)\"")
            }
        }
    }

    func run() async throws {
        if timeTolerance != nil || origin != nil {
            let location = try global.location()
            try location.create()
            var settings = try await location.settings(of: nil)
            settings.timeToleranceMinutes = timeTolerance ?? settings.timeToleranceMinutes
            settings.origin = origin ?? settings.origin
            try await location.save(settings, store: nil)
        }
        let session = try await Session(global, creating: true)
        let summary = try await catalogs.record(session)
        if let group {
            guard let directory = session.location.directory else { throw ToolError.usage("--group shares a store directory; a PostgreSQL store's access is granted in PostgreSQL") }
            try StoreSharing.share(directory, withGroup: group)
        }
        var parts: [Phrase] = ["store ready at \(session.location.name)"]
        if let summary { parts.append("; catalog entries: \(summary.appended) recorded, \(summary.duplicates) already there") }
        parts.append("; time tolerance \(session.ledger.timeGuard.minutes) min")
        if let group { parts.append("; readable by group \(group)") }
        session.outcome(.joined(parts, separator: ""),
            [("store", .text(session.location.name)), ("catalog_entries_recorded", .integer(summary?.appended ?? 0)),
             ("catalog_entries_already_there", .integer(summary?.duplicates ?? 0)), ("time_tolerance_minutes", .integer(session.ledger.timeGuard.minutes)),
             ("group", group.map(Value.text) ?? .null)])
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Import dossier events (JSON Lines, a file or - for standard input) and catalogs."),
        discussion: """
        A file is one atomic batch: on the first invalid line nothing is stored and the error names the line, the event id,
        the field and the rule. With --rejects, the valid events are stored and each rejected line is written to the rejects
        file as one JSON object: line, event_id, field, rule, reason and the line's text (`jq -r .text rejects.jsonl` gives
        the lines back to fix and import again); the exit code is then 4. Importing the same file again stores nothing new.

        Examples:
          dossier import events.jsonl
          dossier import events.jsonl --rejects rejected.jsonl
          dossier import --procedures procedures.json
          dossier import --calendar calendar-2027.json
          cat export.jsonl | dossier import --replica -
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var catalogs: CatalogFiles
    @Argument(help: "The events file, or - for standard input.", completion: .file(extensions: ["jsonl"])) var file: String?
    @Option(help: "Keep the valid lines; write the rejected ones here, each as a JSON object with its reason.", completion: .file()) var rejects: String?
    @Flag(help: "Reproduce an export's seq, version, recorded time and hash (into an empty store).") var replica = false

    func validate() throws {
        try checkingUsage {
            if file == nil && catalogs.isEmpty {
                throw ToolError.usage("give an events file (or -) or a catalog (--procedures, --units, --officers, --calendar, --closed-days)")
            }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        if let summary = try await catalogs.record(session) {
            if file == nil {
                session.outcome("catalog entries: \(summary.appended) recorded, \(summary.duplicates) already there",
                                [("catalog_entries_recorded", .integer(summary.appended)), ("catalog_entries_already_there", .integer(summary.duplicates))])
            } else {
                if global.format == .table { session.say("catalog entries: \(summary.appended) recorded, \(summary.duplicates) already there\n") }
            }
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
            let bar = ProgressBar(global.language.say("importing"))
            let lines = estimatedLines(file)
            summary = try await session.ledger.importEvents(path: file, mode: mode, replica: replica) { bar.update(WorkProgress(done: $0, total: max(lines, $0))) }
            bar.finish()
        }
        let seconds = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        var parts: [Phrase] = ["imported \(file): \(summary.appended) events stored, \(summary.duplicates) already stored"]
        if summary.rejected > 0 { parts.append(", \(summary.rejected) rejected (see \(rejects ?? "the rejects file"))") }
        if let positions = summary.positions { parts.append(", seq \(positions.lowerBound)–\(positions.upperBound)") }
        parts.append(" in \(String(format: "%.1f", seconds)) s")
        session.outcome(.joined(parts, separator: ""),
                        [("file", .text(file)), ("lines", .integer(summary.lines)), ("stored", .integer(summary.appended)),
                         ("already_stored", .integer(summary.duplicates)), ("rejected", .integer(summary.rejected)),
                         ("first_seq", summary.positions.map { .integer(Int($0.lowerBound.rawValue)) } ?? .null),
                         ("last_seq", summary.positions.map { .integer(Int($0.upperBound.rawValue)) } ?? .null),
                         ("seconds", .hours(rounded2(seconds)))])
        if summary.rejected > 0 {
            throw ToolError("\(summary.rejected) lines were rejected and written to \(rejects ?? "the rejects file") (the valid ones are stored)",
                            exitCode: ExitCode.someRejected)
        }
    }
}

struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Append one event, checked as an import would, at the dossier's expected version."),
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
        try checkingUsage {
            if json == nil && [id, dossier, type, at, actor, unit].contains(where: { $0 == nil }) {
                throw ToolError.usage("give --json, or all of --id --dossier --type --at --actor --unit")
            }
            for f in field where !f.contains("=") { throw ToolError.usage("--field \(f): write name=value") }
        }
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
        let session = try await Session(global)
        try session.requireWritable("append")
        let event = try DossierEvent.parse(jsonText).event
        let result = try await session.ledger.append(event, expected: expectedVersion.map { StreamVersion($0) })
        let version = result.streamVersions.values.first
        session.outcome(result.positions.map { "appended \(event.id) at seq \($0.lowerBound), dossier \(event.dossier) version \(version.map(\.description) ?? "?")" }
                            ?? "\(event.id) was already stored with the same content; nothing appended",
                        [("id", .text(event.id)), ("dossier", .text(event.dossier)), ("stored", .flag(result.positions != nil)),
                         ("seq", result.positions.map { .integer(Int($0.lowerBound.rawValue)) } ?? .null),
                         ("version", version.map { .integer(Int($0.rawValue)) } ?? .null)])
    }
}

struct VoidEntry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void",
        abstract: spoken("Correct a wrong entry: append a `voided` event naming it, checked like any append."),
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

    func validate() throws { try checkingUsage { _ = try instant(at, option: "at", dateMeansClose: false) } }

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("void")
        guard let stored = try await session.ledger.store.event(id: EventID(target)),
              case .dossier(let wrong) = try Records.decode(stored) else {
            throw ToolError("no dossier event \(target) in the store; give the id of the wrong event (`dossier history CODE` lists them)")
        }
        let rules = try await session.ledger.rules()
        let eventID = id ?? "\(target).void"
        guard eventID.utf8.count <= 64 else { throw ToolError("the default id \(eventID) is longer than 64 characters; give --id") }
        let event = DossierEvent(id: eventID, dossier: wrong.dossier, at: try instant(at, option: "at", dateMeansClose: false) ?? TimeGuard.wallClock(),
                                 actor: actor, unit: unit ?? rules.catalog.officers[actor]?.unit ?? wrong.unit,
                                 body: .voided(Voided(target: target, reason: reason)))
        // Through the JSON form, so that the fields are checked exactly as in an import.
        let checked = try DossierEvent.parse(event.jsonLine()).event
        let result = try await session.ledger.append(checked, rules: rules)
        session.outcome(result.positions.map { "voided \(target) (\(wrong.type.rawValue) of \(wrong.dossier)) by \(eventID) at seq \($0.lowerBound)" }
                            ?? "\(eventID) was already stored with the same content; nothing appended",
                        [("id", .text(eventID)), ("target", .text(target)), ("target_type", .text(wrong.type.rawValue)),
                         ("dossier", .text(wrong.dossier)), ("stored", .flag(result.positions != nil)),
                         ("seq", result.positions.map { .integer(Int($0.lowerBound.rawValue)) } ?? .null)])
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Export the log (or one dossier, or a seq range) as JSON Lines with seq, version, recorded and hash."),
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
    var output: String? { global.output }

    func validate() throws {
        try checkingUsage {
            // The export is JSON Lines; --format json says how its outcome is reported with --output.
            if global.format == .csv || global.format == .xlsx { throw ToolError.usage("an export is JSON Lines; --format csv does not apply (use a view's --format csv)") }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        var handle = FileHandle.standardOutput
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
                throw ToolError("cannot write \(output)")
            }
            handle = file
        }
        let count = try await session.ledger.export(dossier: dossier, from: GlobalPosition(from), through: through.map { GlobalPosition($0) }) {
            (chunk: [UInt8]) in try handle.write(contentsOf: chunk)
        }
        if let output { session.outcome("exported \(count) lines to \(output)", [("lines", .integer(count)), ("output", .text(output))]) }
    }
}
