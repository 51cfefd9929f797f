import DossierDomain
import EventLog
import Foundation
import Hummingbird
import Logging
import Views

/// Every error a handler lets out becomes a problem: the domain's refusals by their meaning
/// (an unknown filter or period 400, an unknown dossier 404, a broken rule 422, a store that
/// cannot be reached 503), a path that exists with other methods 405 with `Allow`, any other
/// path 404, and anything unforeseen 500 (logged with the request, its detail not shown).
struct Refusals: RouterMiddleware {
    typealias Context = LedgerContext
    /// Each path of the OpenAPI document as a pattern, with its methods.
    let routes: [(pattern: NSRegularExpression, methods: [String])]

    init(openAPI: Data) {
        let paths = ((try? JSONSerialization.jsonObject(with: openAPI)) as? [String: Any])?["paths"] as? [String: [String: Any]] ?? [:]
        routes = paths.compactMap { path, operations in
            let pattern = "^" + NSRegularExpression.escapedPattern(for: path)
                .replacingOccurrences(of: #"\\\{[a-z_]+\\\}"#, with: "[^/]+", options: .regularExpression) + "$"
            return (try? NSRegularExpression(pattern: pattern)).map { ($0, operations.keys.map { $0.uppercased() }.sorted()) }
        }
    }

    @concurrent func handle(_ request: Request, context: LedgerContext, next: @concurrent (Request, LedgerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError where error.status == .notFound {  // the router's: the handlers throw problems
            let path = request.uri.path
            if let allowed = routes.first(where: { $0.pattern.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil })?.methods,
               !allowed.contains(request.method.rawValue) {
                throw Problem(.methodNotAllowed, "\(request.method) is not a method of \(path); it takes \(allowed.joined(separator: ", "))", allow: allowed)
            }
            throw Problem(.notFound, "no route \(path)")
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as UnknownFilter {
            throw Problem(.badRequest, error.description)
        } catch let error as UnknownDossier {
            throw Problem(.notFound, error.description)
        } catch let error as EventRejection {
            throw Problem(.rejectedEvent, error.description)
        } catch let error as EventStoreError where [.storage, .storageFull, .readOnly].contains(error.code) {
            throw Problem(.unavailable, error.message)
        } catch let error as any PhrasedError {
            throw Problem(.badRequest, error.description)
        } catch {
            context.logger.error("unforeseen error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw Problem(.internalError, "an unforeseen error; the service's log has it")
        }
    }
}
