import DossierDomain
import DossierLog
import EventLog
import Foundation
import Hummingbird
import Projections
import ReportFormats
import Views

/// The operator's jobs over HTTP, the same as the commands': the sweep, the rebuild (which swaps
/// the new projections in while requests go on reading the old ones), the statistics, and the
/// token list with revocation (new tokens are granted on the store's machine, below).
extension LedgerService {
    /// `POST /v1/admin/sweep?as_of=`: records `deadline_missed` for every dossier overdue at the
    /// instant (now by default); the JSON of `dossier sweep --format json`.
    func sweep(_ request: Request, _ context: LedgerContext) async throws -> Response {
        _ = try context.require([.operator])
        let at = try Query(request.uri).instant("as_of") ?? TimeGuard.wallClock()
        guard at <= TimeGuard.wallClock() else { throw Problem(.badRequest, "as_of is in the future: a sweep records what is overdue by now") }
        let result = try await Inspector.open(engine).sweep(asOf: at)
        return json(Renderer.json(result))
    }

    /// `POST /v1/admin/rebuild`: every projection rebuilt from seq 1 beside the current ones, then
    /// swapped in; each one's checkpoint and the seconds it took.
    func rebuild(_ context: LedgerContext) async throws -> Response {
        _ = try context.require([.operator])
        let start = ContinuousClock.now
        try await engine.rebuild(builtInProjections)
        let elapsed = ContinuousClock.now - start
        var fields: [(String, Value)] = []
        for type in builtInProjections {
            let status = try engine.status(of: type.name)
            fields.append(("\(type.name)_seq", status.map { .integer(Int($0.checkpoint.position.rawValue)) } ?? .null))
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return json(Renderer(format: .json, language: .en).outcome("", fields + [("seconds", .hours(rounded2(seconds)))]))
    }

    /// `GET /v1/admin/stats`: the JSON of `dossier stats --format json`.
    func statistics(_ context: LedgerContext) async throws -> Response {
        _ = try context.require([.operator])
        return json(Renderer.json(try await LedgerStatistics.gather(engine)))
    }

    /// `GET /v1/admin/tokens`: the JSON of `dossier token list --format json` (public names,
    /// holders, roles, units, dates; never a secret or its hash).
    func tokens(_ context: LedgerContext) async throws -> Response {
        _ = try context.require([.operator])
        return json(Renderer.json(try await ledger.accessList(), on: TimeGuard.wallClock().localDate))
    }

    /// `DELETE /v1/admin/tokens/{token}`: revokes a token by its public name, from the next
    /// request on (an entry of the log, as `dossier token revoke` records it). Granting stays a
    /// command on the store's machine: a stolen operator token must not mint an auditor's.
    func revoke(_ context: LedgerContext) async throws -> Response {
        _ = try context.require([.operator])
        let token = try context.parameters.require("token")
        guard token.utf8.count == 12, token.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw Problem(.badRequest, "a token's public name is 12 lowercase hexadecimal digits (dossier token list)")
        }
        guard try await ledger.accessList().entry(token: token) != nil else { throw Problem(.notFound, "no token \(token) was granted") }
        let revoked = try await ledger.revokeAccess(token: token)
        return json(Renderer(format: .json, language: .en).outcome("", [("token", .text(token)), ("revoked", .flag(revoked)),
                                                                       ("already_revoked", .flag(!revoked))]))
    }

    /// `GET /v1/verify` (auditor): every hash link of the log recomputed, as `dossier verify
    /// --format json` answers (`intact` false, with the first break as `failure`, when one fails).
    func verify(_ context: LedgerContext) async throws -> Response {
        _ = try context.require([.auditor])
        guard let head = try await ledger.store.head() else { throw Problem(.notFound, "the log is empty") }
        let report = try await ledger.store.verify(.first...head.position)
        var fields: [(String, Value)] = [("checked", .integer(report.checked)), ("intact", .flag(report.failure == nil)),
                                         ("head_seq", .integer(Int(head.position.rawValue))), ("head_hash", .digest(head.hash.hex)),
                                         ("extends_checkpoint_seq", .null)]
        if let failure = report.failure { fields.append(("failure", .text("\(failure)"))) }
        return json(Renderer(format: .json, language: .en).outcome("", fields))
    }
}
