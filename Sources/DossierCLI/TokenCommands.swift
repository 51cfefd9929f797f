public import ArgumentParser
public import DossierDomain
import DossierLog
import Foundation
import ReportFormats
import Views

/// `dossier token`: the service's bearer tokens, granted and revoked as entries of the log.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: spoken("Grant, list and revoke the tokens of `dossier serve`."),
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self])
}

extension AccessRole: ExpressibleByArgument {}

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: spoken("Grant a token: its secret is shown this once, the log keeps only its SHA-256."),
        discussion: """
        Roles: desk (appends the events of its unit's dossiers), inspector (reads views and case
        histories of its unit's subtree), auditor (reads everything, verifies, follows the log),
        operator (sweep, rebuild, stats, tokens).

        Example:
          dossier token create --role desk --unit H19.X07 --name "Một cửa xã X07" --expires 2027-12-31
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "desk, inspector, auditor or operator.") var role: AccessRole
    @Option(help: "The unit whose subtree the token covers (a code of the unit catalog).") var unit: String
    @Option(help: "Who holds it (shown in logs and in `token list`).") var name: String
    @Option(help: "The last day it may be used, YYYY-MM-DD (default: until revoked).") var expires: String?

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("grant a token")
        var until: LocalDate?
        if let expires {
            guard let date = LocalDate(parsing: expires) else { throw ToolError.usage("--expires \(expires): give a date YYYY-MM-DD") }
            guard date >= TimeGuard.wallClock().localDate else { throw ToolError.usage("--expires \(expires) is in the past") }
            until = date
        }
        let today = TimeGuard.wallClock().localDate
        guard try await session.ledger.rules().catalog.unit(unit, on: today) != nil else {
            throw ToolError.usage("--unit \(unit): no such unit in the catalog today")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else { throw ToolError.usage("--name: 1 to 200 characters") }
        let (secret, grant) = try await session.ledger.grantAccess(name: name, role: role, unit: unit, expires: until)
        session.outcome("token \(grant.token) granted to \(name): role \(role.rawValue), unit \(unit)\nsecret (shown once; keep it where its holder keeps passwords):\n\(secret)",
                        [("token", .text(grant.token)), ("secret", .text(secret)), ("name", .text(name)), ("role", .text(role.rawValue)),
                         ("unit", .text(unit)), ("expires", until.map { .text($0.description) } ?? .null)])
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: spoken("The tokens granted, with when, and whether revoked or expired (never their secrets)."))

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let session = try await Session(global)
        let list = try await session.ledger.accessList()
        let renderer = global.renderer
        let today = TimeGuard.wallClock().localDate
        let (fields, rows) = (AccessList.fields, list.rows(on: today))
        switch global.format {
        case .json:
            session.write(Renderer.json(list, on: today))
        case .csv:
            session.write(([fields.joined(separator: ",")] + rows.map { $0.map { renderer.csvField(renderer.csvCell($0)) }.joined(separator: ",") })
                .joined(separator: "\n") + "\n")
        case .table, .xlsx:
            session.write(Renderer.align([fields.map(renderer.label)] + rows.map { $0.map(renderer.text) }) + "\n")
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: spoken("Revoke a token by its name in `token list`: it opens nothing from now on."))

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The token (12 hexadecimal digits).") var token: String

    func run() async throws {
        let session = try await Session(global)
        try session.requireWritable("revoke a token")
        let revoked = try await session.ledger.revokeAccess(token: token)
        session.outcome(revoked ? "token \(token) revoked" : "token \(token) was revoked already",
                        [("token", .text(token)), ("revoked", .flag(revoked))])
    }
}
