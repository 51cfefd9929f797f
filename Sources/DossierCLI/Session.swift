public import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import Projections
import ReportFormats
import Views

/// Options every command takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("store"), help: ArgumentHelp("The store: a directory, or a postgres://USER@HOST:PORT/DATABASE URL (default: $DOSSIER_STORE, else ./dossier-data).", valueName: "store"),
            completion: .directory)
    var storeOption: String?

    @Option(help: ArgumentHelp("Where this process keeps its projections (default: the store directory; for PostgreSQL ~/.cache/dossierledger/HOST-PORT-DATABASE).", valueName: "dir"),
            completion: .directory)
    var cache: String?

    /// The store's location.
    /// - Throws: ``ToolError`` (usage) for a URL that does not parse.
    func location() throws -> StoreLocation { try StoreLocation(store, cache: cache) }

    /// `--store`, else `$DOSSIER_STORE`, else `./dossier-data`.
    var store: String { storeOption ?? ProcessInfo.processInfo.environment["DOSSIER_STORE"] ?? "./dossier-data" }

    @Option(name: .long, help: "Output: table (for people), json or csv (for scripts), xlsx (a workbook, with --output).")
    var format: Format = .table

    @Option(name: .long, help: "Labels, dates and numbers: en or vi (default: vi when $LANG starts with vi).")
    var lang: Language?

    @Flag(name: .long, help: "Open the store read-only: nothing can be changed (automatic when the store is not writable).")
    var readOnly = false

    public init() {}

    var language: Language { lang ?? Language.fromEnvironment }
    @Flag(inversion: .prefixedNo, help: "Start CSV with a byte-order mark, so that spreadsheets read Vietnamese names right (default: on with --lang vi).")
    var bom: Bool?

    @Option(help: ArgumentHelp("Only these fields of a view's rows, in this order: names as in its JSON, comma-separated.", valueName: "fields"),
            transform: { $0.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) } })
    var columns: [String]?

    @Option(help: "Write to this file instead of standard output (a workbook with --format xlsx).", completion: .file())
    var output: String?

    var renderer: Renderer { Renderer(format: format, language: language, byteOrderMark: bom ?? (language == .vi), columns: columns) }
}

/// An error the tool reports in one line, in the chosen language, with its exit code (1:
/// operational, 2: bad usage, 3: verification failed).
struct ToolError: PhrasedError {
    let phrase: Phrase
    let exitCode: Int32

    init(_ phrase: Phrase, exitCode: Int32 = ExitCode.failure) {
        self.phrase = phrase
        self.exitCode = exitCode
    }

    /// Bad usage (exit code 2): an option's value or a combination of options.
    static func usage(_ phrase: Phrase) -> ToolError { ToolError(phrase, exitCode: ExitCode.usage) }
}

/// Runs a command's checks of its options (its `validate()`), handing a usage error to the
/// argument parser in the language of the command line, so that it is reported with the usage.
func checkingUsage(_ checks: () throws -> Void) throws {
    do { try checks() } catch let error as ToolError where error.exitCode == ExitCode.usage {
        throw ValidationError(Language(arguments: CommandLine.arguments.dropFirst()).say(error.phrase))
    }
}

/// An open store, its ledger and (on demand) its projections.
final class Session: Sendable {
    let options: GlobalOptions
    let location: StoreLocation
    let store: any EventStore & BulkLoading
    let ledger: DossierLedger
    let settings: StoreSettings
    let readOnly: Bool

    /// Opens the store at `--store`. Unless `creating`, the store must exist.
    init(_ options: GlobalOptions, creating: Bool = false) async throws {
        self.options = options
        let location = try options.location()
        self.location = location
        let path = location.name
        let exists = location.exists
        if !exists && !creating {
            throw ToolError("no store at \(path); create one with `dossier init --store \(path)` (or set --store / DOSSIER_STORE)")
        }
        readOnly = options.readOnly || (exists && !location.isWritable)
        if creating && readOnly { throw ToolError("cannot create or change the store at \(path): it is read-only") }
        if creating && !exists { try location.create() }
        do {
            store = try await location.open(readOnly: readOnly)
        } catch let error as EventStoreError {
            // A damaged store is a failed verification, whatever the command.
            throw ToolError("cannot open the store at \(path): \(Session.message(error, options.language))", exitCode: error.code == .corruptStore ? 3 : 1)
        }
        settings = try await location.settings(of: store)
        ledger = DossierLedger(store: store, timeGuard: try settings.timeGuard())
    }

    func requireWritable(_ action: String) throws {
        if readOnly { throw ToolError("cannot \(action): the store at \(options.store) is open read-only (it is not writable, or --read-only was given)") }
    }

    /// The views, over projections built or caught up as each is first needed (with progress
    /// on a terminal).
    func inspector() async throws -> Inspector {
        let engine = try projectionEngine()
        let bars = [DossierProjection.name: ProgressBar(options.language.say("catching up \(DossierProjection.name)")),
                    ReceiptCounts.name: ProgressBar(options.language.say("catching up \(ReceiptCounts.name)"))]
        defer { bars[DossierProjection.name]?.finish() }
        return try await Inspector.open(engine) { name, progress in
            bars[name]?.update(progress)
            if progress.done >= progress.total { bars[name]?.finish() }
        }
    }

    /// The projections of this process (in the store directory, or the cache of a PostgreSQL store).
    func projectionEngine(readOnly: Bool? = nil) throws -> ProjectionEngine {
        let directory = location.projections
        if location.directory == nil {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw ToolError("cannot create the projection cache \(directory): \(error.localizedDescription); choose one with --cache DIR")
            }
        }
        // A PostgreSQL store's projections are this process's cache: written even when the log is read-only.
        return try ProjectionEngine(storePath: directory, ledger: ledger, readOnly: readOnly ?? (location.directory != nil && self.readOnly))
    }

    /// Writes a view in the chosen format.
    /// - Throws: ``ToolError`` (usage) for a `--columns` field that the view does not have.
    func print<Row: ReportRow>(_ report: Report<Row>) throws {
        if let columns = options.columns {
            let unknown = columns.filter { !Row.fields.contains($0) }
            guard unknown.isEmpty, !columns.isEmpty else {
                throw ToolError("--columns: no field \(unknown.joined(separator: ", ")) in this view; its fields: \(Row.fields.joined(separator: ","))",
                                exitCode: ExitCode.usage)
            }
        }
        if options.format == .xlsx {
            guard let output = options.output else { throw ToolError("--format xlsx writes a workbook: give --output FILE.xlsx", exitCode: ExitCode.usage) }
            try Workbook(renderer: options.renderer).write(report, to: output)
            FileHandle.standardError.write(Data(options.language.say("wrote \(output)\n").utf8))
            return
        }
        if let output = options.output {
            guard FileManager.default.createFile(atPath: output, contents: Data(options.renderer.render(report).utf8)) else {
                throw ToolError("cannot write \(output)")
            }
            return
        }
        write(options.renderer.render(report))
    }

    /// What an operation did, in the chosen format (see ``Renderer/outcome(_:_:)``).
    func outcome(_ text: Phrase, _ fields: [(name: String, value: Value)]) {
        write(options.renderer.outcome(options.language.say(text), fields))
    }

    /// Words for people, in the chosen language.
    func say(_ phrase: Phrase) {
        write(options.language.say(phrase))
    }

    func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// One line for any error in `language`, never a stack trace or an LMDB code alone.
    static func message(_ error: any Error, _ language: Language) -> String {
        switch error {
        case let error as any PhrasedError: return language.say(error.phrase)
        case let error as EventStoreError: return language.say(error)
        case let error as CheckpointError: return language.say(error)
        case let error as any CustomStringConvertible: return error.description
        default: return "\(error)"
        }
    }
}

/// An instant option: RFC 3339 with an offset (`2025-03-04T09:12:00+07:00`), or (where
/// `dateMeansClose`, as for `--as-of`) a bare local date meaning the close of that day:
/// `2026-11-27` is `2026-11-28T00:00:00+07:00`.
func instant(_ text: String?, option: String, dateMeansClose: Bool = true) throws -> Instant? {
    guard let text else { return nil }
    if dateMeansClose, text.count == 10, let date = LocalDate(parsing: text) {
        return Instant(localDate: date + 1, microsecondOfDay: 0)
    }
    do {
        return try Instant(rfc3339: text)
    } catch {
        throw ToolError.usage(dateMeansClose
            ? "--\(option) \(text): \(error); give a timestamp with an offset such as 2025-03-04T09:12:00+07:00, or a date such as 2025-03-04 (the close of that day)"
            : "--\(option) \(text): \(error); give a timestamp with an offset such as 2025-03-04T09:12:00+07:00")
    }
}

/// A period option, with the accepted forms in the error; a period that has not begun is refused.
func parsePeriod(_ text: String, cutOff15th: Bool) throws -> Period {
    let period: Period
    do {
        period = try Period.parse(text, cutOff15th: cutOff15th)
    } catch {
        throw ToolError.usage("--period: \(error)")
    }
    guard period.start <= TimeGuard.wallClock() else {
        throw ToolError.usage("--period \(text) has not begun: it starts on \(period.start.localDate)")
    }
    return period
}

/// A store's settings, in `<store>/settings.json`, written by `dossier init` (absent: the defaults).
struct StoreSettings: Codable, Equatable {
    /// Rule 6 of events.md: how many minutes after the instant of its append an event may be dated (0 to 60).
    var timeToleranceMinutes = TimeGuard.defaultMinutes
    /// The log's name in signed checkpoints (C2SP tlog-checkpoint's origin line).
    var origin: String?

    enum CodingKeys: String, CodingKey { case timeToleranceMinutes = "time_tolerance_minutes", origin }

    static func file(_ store: String) -> String { store + "/settings.json" }

    static func read(_ store: String) throws -> StoreSettings {
        guard let data = FileManager.default.contents(atPath: file(store)) else { return StoreSettings() }
        return try decode(data, from: file(store))
    }

    static func decode(_ data: Data, from source: String) throws -> StoreSettings {
        do {
            return try JSONDecoder().decode(StoreSettings.self, from: data)
        } catch {
            throw ToolError("cannot read the store's settings \(source): \(error); fix or remove them (the defaults apply without them)")
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    func write(_ store: String) throws {
        do {
            try encoded().write(to: URL(fileURLWithPath: StoreSettings.file(store)), options: .atomic)
        } catch {
            throw ToolError("cannot write the store's settings \(StoreSettings.file(store)): \(error.localizedDescription)")
        }
    }

    func timeGuard() throws -> TimeGuard {
        do { return try TimeGuard(minutes: timeToleranceMinutes) } catch { throw ToolError("\(error), in the store's settings.json; fix it with `dossier init --time-tolerance N`") }
    }
}
