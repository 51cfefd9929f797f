import DossierDomain
import DossierLog
import EventLog
import Foundation
import Hummingbird
import Projections
import ReportFormats
import Views

/// The operator's jobs over HTTP, the same as the command's: the sweep and the rebuild (which
/// swaps the new projections in while requests go on reading the old ones).
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
}
