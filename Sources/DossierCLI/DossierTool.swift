public import ArgumentParser
import DossierDomain
import Foundation
import EventLog
import Projections
import ReportFormats
import Views

/// The tool's exit codes.
enum ExitCode {
    static let success: Int32 = 0
    /// An operational error: nothing of the operation was done.
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let verificationFailed: Int32 = 3
    /// An import with --rejects stored the valid lines and rejected some.
    static let someRejected: Int32 = 4
    /// An expected version did not hold (the dossier moved meanwhile): check again and retry.
    static let versionConflict: Int32 = 5
}

/// `dossier`: the tool inspectors and operators use every day (README.md walks through it).
///
/// Exit codes: 0 success, 1 operational error, 2 bad usage, 3 verification failed, 4 stored
/// but some lines rejected, 5 a version conflict.
public struct DossierTool: AsyncParsableCommand, Sendable {
    public static let configuration = CommandConfiguration(
        commandName: "dossier",
        abstract: spoken("DossierLedger: the tamper-evident audit log of one-stop-desk dossiers (hồ sơ)."),
        discussion: """
        Every command takes --store PATH (default $DOSSIER_STORE, else ./dossier-data), --format table|json|csv,
        --lang en|vi and --read-only. Exit codes: 0 success, 1 operational error, 2 bad usage, 3 verification failed,
        4 stored but some lines rejected (import --rejects), 5 a version conflict (check again and retry).

        A day's work:
          dossier late --unit H19.X07              the inspector's first question
          dossier history 000.00.17.H19-250304-0001
          dossier accountability --period 2026-Q3
          dossier verify
        """,
        version: DossierTool.version,
        subcommands: [Init.self, Import.self, Append.self, VoidEntry.self, Export.self, History.self, Late.self, DueSoon.self, Rates.self, PeriodicReportCommand.self, Online.self,
                      Accountability.self, Satisfaction.self, HomeSupport.self, Scorecard.self, Sweep.self, Rebuild.self,
                      Verify.self, VerifyExport.self, Checkpoint.self, Prove.self, VerifyProof.self, Consistency.self, Witness.self, Stats.self, Backup.self, Restore.self, Nightly.self,
                      Migrate.self, TokenCommand.self, Serve.self])

    public init() {}

    /// The tool's version: the package's (pre-1.0) and the git revision it was built from.
    static let version = "0.5.0 (\(gitRevision))"

    /// Runs the tool on `arguments` (without the program name) and returns its exit code; errors
    /// are written to standard error as one line.
    public static func run(arguments: [String]) async -> Int32 {
        let language = Language(arguments: arguments)
        func report(_ line: String) { FileHandle.standardError.write(Data("dossier: \(line)\n".utf8)) }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ToolError {
            report(language.say(error.phrase))
            if error.exitCode == ExitCode.usage { FileHandle.standardError.write(Data(language.say(helpHint).utf8)) }
            return error.exitCode
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            report(language.say("\(Session.message(error, language)); check the dossier again and retry"))
            return ExitCode.versionConflict
        } catch let error as UnknownFilter {
            // A code that names nothing is a usage error: "0 rows" would read as "none late".
            report(language.say(error.phrase))
            return ExitCode.usage
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                FileHandle.standardOutput.write(Data((fullMessage(for: error) + "\n").utf8))  // --help, --version
                return 0
            }
            if code == .validationFailure || error is ValidationError {
                report(language.say(Phrasebook.parserPhrase(message(for: error))) + language.say(suggestion(for: arguments)))
                FileHandle.standardError.write(Data(language.say(helpHint).utf8))
                return ExitCode.usage
            }
            report(Session.message(error, language))
            return ExitCode.failure
        }
    }

    static let helpHint: Phrase = "(see `dossier help` or `dossier <command> --help`)\n"

    /// "; did you mean late?" for a mistyped command (`lates`), else nothing.
    static func suggestion(for arguments: [String]) -> Phrase {
        guard let first = arguments.first, !first.hasPrefix("-") else { return "" }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first), let best = nearest(first, among: names).first else { return "" }
        return "; did you mean \(best)?"
    }
}
