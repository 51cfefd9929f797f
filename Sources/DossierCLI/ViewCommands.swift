public import ArgumentParser
import DossierDomain
import DossierLog
import Foundation
import ReportFormats
import EventLog
import Projections
public import Views

/// The period options of the periodic reports.
struct PeriodOptions: ParsableArguments {
    @Option(help: "A month 2025-07, a quarter 2025-Q3, a year 2025, or dates 2025-07-01..2025-09-30.") var period: String
    @Flag(name: .customLong("cut-off-15th"), help: "Cut on the 15th (a month runs from the 15th of the month before to the 14th).")
    var cutOff15th = false

    func validate() throws { try checkingUsage { _ = try parsed() } }
    func parsed() throws -> Period { try parsePeriod(period, cutOff15th: cutOff15th) }
}

extension Grouping: ExpressibleByArgument {}
extension RollUp: ExpressibleByArgument {}
extension Attribution: ExpressibleByArgument {}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("A dossier's case history: every event with its seq and hash, the state after each, and a hash-link check."),
        discussion: """
        Examples:
          dossier history 000.00.17.H19-250304-0001
          dossier history 000.00.17.H19-250304-0001 --as-of 2025-03-05T12:00:00+07:00
          dossier history 000.00.17.H19-250304-0001 --version 2 --lang vi
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The dossier code (mã hồ sơ).") var code: String
    @Option(help: "Replay up to this instant (RFC 3339 with an offset, or a date: its close).") var asOf: String?
    @Option(help: "Replay up to this version.") var version: Int?

    func validate() throws {
        try checkingUsage {
            if asOf != nil && version != nil { throw ToolError.usage("give --as-of or --version, not both") }
            _ = try instant(asOf, option: "as-of")
        }
    }

    func run() async throws {
        let session = try await Session(global)
        let inspector = LogReader(ledger: session.ledger, rules: try await session.ledger.rules())
        let limit: FoldLimit = if let version { .version(version) } else if let at = try instant(asOf, option: "as-of") { .instant(at) } else { .all }
        let history = try await inspector.history(of: code, through: limit)
        try session.print(history.report)
        guard global.format == .table else { return }
        let renderer = global.renderer
        if let judged = history.judgement {
            let holder = judged.holder.map { "\($0.holderActor ?? "-") @ \($0.holderUnit)" } ?? "-"
            let overdue = judged.hoursOverdue > 0 ? " \(renderer.text(.hours(rounded2(judged.hoursOverdue))))h" : ""
            let status = renderer.display(.text(judged.status.rawValue), field: "status")
            let standing = renderer.display(.text("\(judged.standing)"), field: "standing")
            session.say("\nstate at \(renderer.text(.instant(judged.at))): \(status), \(standing)\(overdue); holder: \(holder); legal due: \(renderer.text(.instant(judged.legalDue)))\n")
        }
        if let problem = history.chainProblem {
            session.say("hash links: BROKEN: \(problem)\n")
            throw ToolError("the hash links of \(code) do not verify", exitCode: 3)
        }
        session.say("hash links: intact (every event recomputes and links to the dossier's previous one)\n")
    }
}

struct Late: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("The late list: dossiers overdue as of an instant, longest overdue first."),
        discussion: """
        Filters combine. The report instant is --as-of, else the latest event's time.

        Examples:
          dossier late
          dossier late --unit H19.X07 --as-of 2026-03-31T17:00:00+07:00
          dossier late --procedure 1.004203 --include-finished --format csv
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Judge at this instant (RFC 3339 with an offset, or a date: its close).") var asOf: String?
    @Option(help: "The unit holding the dossier, or any unit under it.") var unit: String?
    @Option var procedure: String?
    @Option(help: "The officer holding the dossier.") var officer: String?
    @Flag(help: "Also dossiers finished late.") var includeFinished = false
    @Option(help: "Only the first N rows (the longest overdue).") var top: Int?

    func validate() throws { try checkingUsage { _ = try instant(asOf, option: "as-of") } }

    func run() async throws {
        let session = try await Session(global)
        let inspector = try await session.inspector()
        let filter = LateFilter(unit: unit, procedure: procedure, officer: officer, includeFinished: includeFinished)
        try session.print(try await inspector.lateList(asOf: try instant(asOf, option: "as-of"), filter: filter).first(top))
    }
}

struct DueSoon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due-soon",
        abstract: spoken("The due-soon list: open dossiers in time whose legal due comes within a working day, least time left first."),
        discussion: """
        What an office head must act on today, before it becomes late: dossiers not waiting for a supplement whose legal
        due comes within --within working hours (default: the receiving unit's office day, 8 h) of the report instant,
        counted in the receiving unit's office hours. Filters combine, as in the late list.

        Examples:
          dossier due-soon
          dossier due-soon --unit H19.X07 --as-of 2026-11-27T08:00:00+07:00
          dossier due-soon --within 16 --procedure 1.004203 --format csv
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Judge at this instant (RFC 3339 with an offset, or a date: its close).") var asOf: String?
    @Option(help: "Working hours ahead (default: the receiving unit's office day).") var within: Double?
    @Option(help: "The unit holding the dossier, or any unit under it.") var unit: String?
    @Option var procedure: String?
    @Option(help: "The officer holding the dossier.") var officer: String?
    @Option(help: "Only the first N rows (the least time left).") var top: Int?

    func validate() throws {
        try checkingUsage {
            _ = try instant(asOf, option: "as-of")
            if let within, !(within > 0 && within <= 10_000) { throw ToolError.usage("--within is a number of working hours above 0") }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        let inspector = try await session.inspector()
        let filter = LateFilter(unit: unit, procedure: procedure, officer: officer)
        try session.print(try await inspector.dueSoonList(asOf: try instant(asOf, option: "as-of"), within: within, filter: filter).first(top))
    }
}

struct Rates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("On-time rates of a period with all the counts and the 766 score, by a grouping, with a total row."),
        discussion: """
        Examples:
          dossier rates --period 2025-Q3 --by unit
          dossier rates --period 2025-07 --cut-off-15th --by procedure --format json
          dossier rates --period 2025 --by unit --roll-up successors
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "unit (competent unit), receiving-unit, procedure, channel or officer.") var by: Grouping = .competentUnit
    @Option(help: "Unit roll-up: tree (as in the period), successors (today's units) or none.") var rollUp: RollUp = .tree

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().onTimeRates(period: try period.parsed(), by: by, rollUp: rollUp))
    }
}

struct PeriodicReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: spoken("The periodic report in the layout provincial reports use: to resolve, resolved, in progress, per unit down the tree."),
        discussion: """
        Per competent unit, rolled up the unit tree of the period's last day, each unit followed by those under it: dossiers
        to resolve (received online, carried over, received direct and by post), resolved (early, on time, late), in
        progress (not yet due, overdue), the on-time rate and the 766 score, with names. A workbook for the file:

        Examples:
          dossier report --period 2026-Q3
          dossier report --period 2026-Q3 --lang vi --format xlsx --output bao-cao-quy-III-2026.xlsx
          dossier report --period 2026-09 --cut-off-15th --unit H19.X07
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "Only this unit and the units under it.") var unit: String?

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().periodicReport(period: try period.parsed(), unit: unit))
    }
}

struct Online: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("The online rate of a period per receiving unit (rolled up), by channel and online level."),
        discussion: "Example:\n  dossier online --period 2026")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "Unit roll-up: tree, successors or none.") var rollUp: RollUp = .tree

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().onlineRates(period: try period.parsed(), rollUp: rollUp))
    }
}

struct Accountability: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Accountability per officer or unit for a period: steps, lateness, violations, complaints; or the reward list."),
        discussion: """
        Examples:
          dossier accountability --period 2025-Q3
          dossier accountability --period 2025-Q3 --by unit --unit H19.17
          dossier accountability --period 2025 --rewards
          dossier accountability --period 2026-Q3 --top 10
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "officer or unit.") var by: Attribution = .officer
    @Option(help: "Only rows of this unit and the units under it.") var unit: String?
    @Flag(help: "Only officers who deserve a reward: steps held, none late, no violation, no complaint.") var rewards = false
    @Option(help: "Only the first N rows (the most faults first).") var top: Int?

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().accountability(period: try period.parsed(), by: by, unit: unit, rewards: rewards).first(top))
    }
}

struct Satisfaction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Ratings, complaints and the 766 indicator 5.4 of a period per receiving unit."),
        discussion: "Example:\n  dossier satisfaction --period 2026-Q2")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().satisfaction(period: try period.parsed()))
    }
}

struct HomeSupport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "home-support",
        abstract: spoken("Home-support visits of a period per unit or officer, and the on-time rate of home-visit dossiers."),
        discussion: "Example:\n  dossier home-support --period 2026 --by officer")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "unit or officer.") var by: Attribution = .unit

    func run() async throws {
        let session = try await Session(global)
        try session.print(try await session.inspector().homeSupport(period: try period.parsed(), by: by))
    }
}

struct Scorecard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("The targets scorecard of a period: each target's value, % achieved, met or not, and a summary."),
        discussion: """
        The targets file is a JSON array, e.g.
          [{"name": "On-time rate", "indicator": "on_time_rate", "comparison": ">=", "threshold": 98},
           {"name": "No complaints", "indicator": "complaints", "comparison": "<=", "threshold": 0}]
        Indicators: \(Target.Indicator.allCases.map(\.rawValue).joined(separator: ", ")).

        Example:
          dossier scorecard --period 2026-Q3 --targets targets.json
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: PeriodOptions
    @Option(help: "The targets file (JSON).", completion: .file(extensions: ["json"])) var targets: String

    func run() async throws {
        let parsed = try Target.read(targets)
        let session = try await Session(global)
        try session.print(try await session.inspector().scorecard(period: try period.parsed(), targets: parsed))
    }
}

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Record deadline_missed for every open dossier whose legal due passed; running it twice adds nothing."),
        discussion: """
        The instant defaults to now (the clock of this machine).

        Examples:
          dossier sweep
          dossier sweep --as-of 2026-11-27T17:00:00+07:00 --format json
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Sweep as of this instant (RFC 3339 with an offset).") var asOf: String?

    func validate() throws { try checkingUsage { _ = try instant(asOf, option: "as-of") } }

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("sweep")
        let at = try instant(asOf, option: "as-of") ?? TimeGuard.wallClock()
        let inspector = try await session.inspector()
        let bar = ProgressBar(global.language.say("sweeping"))
        let result = try await inspector.sweep(asOf: at) { bar.update($0) }
        bar.finish()
        switch global.format {
        case .json:
            session.write(Renderer.json(result))
        case .csv:
            session.write("dossier,due,holder_unit,holder_actor\n" + result.appended.map { event -> String in
                guard case .deadlineMissed(let d) = event.body else { return "" }
                return "\(event.dossier),\(d.due),\(d.holderUnit),\(d.holderActor ?? "")\n"
            }.joined())
        case .table, .xlsx:
            session.say(result.refused.isEmpty
                ? "sweep as of \(global.renderer.text(.instant(at))): \(result.appended.count) deadline_missed appended, \(result.alreadyPresent) already recorded\n"
                : "sweep as of \(global.renderer.text(.instant(at))): \(result.appended.count) deadline_missed appended, \(result.alreadyPresent) already recorded, \(result.refused.count) refused\n")
            for line in result.refused.prefix(10) { session.say("  refused: \(line)\n") }
        }
    }
}

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("The nightly job: rebuild projections from seq 1 beside the current ones, then swap them in."),
        discussion: """
        Readers keep using the current projections until the swap. A crash leaves them intact; the next run starts over.

        Examples:
          dossier rebuild
          dossier rebuild --projection dossiers
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this projection: \(builtInProjections.map { $0.name }.joined(separator: " or ")).") var projection: String?

    func validate() throws {
        try checkingUsage {
            if let projection, !builtInProjections.contains(where: { $0.name == projection }) {
                throw ToolError.usage("--projection must be one of \(builtInProjections.map { $0.name }.joined(separator: ", "))")
            }
        }
    }

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("rebuild projections")
        let engine = try session.projectionEngine()
        let types = builtInProjections.filter { projection == nil || $0.name == projection }
        let bar = ProgressBar(global.language.say("rebuilding \(types.map { $0.name }.joined(separator: ", "))"))
        let start = ContinuousClock.now
        try await engine.rebuild(types) { bar.update($0) }
        bar.finish()
        let elapsed = ContinuousClock.now - start
        var lines: [Phrase] = []
        var fields: [(name: String, value: Value)] = []
        for type in types {
            let status = try engine.status(of: type.name)
            lines.append("rebuilt \(type.name) v\(type.version) to \(status.map { "\($0.checkpoint)" } ?? "?")")
            fields.append(("\(type.name)_seq", status.map { .integer(Int($0.checkpoint.position.rawValue)) } ?? .null))
        }
        lines.append("in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))) (the log read once for all)")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        session.outcome(.joined(lines, separator: "\n"), fields + [("seconds", .hours(rounded2(seconds)))])
    }
}

extension Target {
    /// The targets of a JSON file.
    /// - Throws: ``ToolError`` naming the file and what is wrong in it.
    static func read(_ path: String) throws -> [Target] {
        do {
            return try Target.parse(json: try readFile(path))
        } catch let error as TargetError {
            throw ToolError("\(path): \(error)")
        }
    }
}
