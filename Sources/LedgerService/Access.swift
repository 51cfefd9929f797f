import DossierDomain
public import DossierLog
import EventLog
public import Hummingbird
import Foundation
import Logging
import Synchronization

/// A request's context: who presented which token (set by ``Authentication``).
public struct LedgerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The grant of the request's token; nil only on the anonymous routes.
    public var grant: AccessList.Entry?
    /// Who made the request, for its log line (set once the token is checked).
    let caller = Caller()

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The grant, for a route that has authentication in front of it.
    func granted() throws -> AccessGrant {
        guard let grant else { throw Problem(.unauthenticated, "no token was presented") }
        return grant.grant
    }

    /// The grant when its role is one of `roles`.
    /// - Throws: ``Problem`` `.forbidden` naming the role.
    func require(_ roles: Set<AccessRole>) throws -> AccessGrant {
        let grant = try granted()
        guard roles.contains(grant.role) else {
            throw Problem(.forbidden, "a \(grant.role.rawValue) token may not do this (it needs \(roles.map(\.rawValue).sorted().joined(separator: " or ")))")
        }
        return grant
    }
}

/// Checks the bearer token of every request it is in front of: a missing, unknown, revoked or
/// expired one is answered 401 before any handler runs.
struct Authentication: RouterMiddleware {
    typealias Context = LedgerContext
    let access: AccessCache

    @concurrent func handle(_ request: Request, context: LedgerContext, next: @concurrent (Request, LedgerContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.utf8.count <= 200 else {
            throw Problem(.unauthenticated, "give the token as `Authorization: Bearer dlt_…`")
        }
        let secret = String(header.dropFirst(7).split(separator: " ").first ?? "")
        guard let entry = try await access.grant(secret: secret) else {
            throw Problem(.unauthenticated, "the token is unknown, revoked or expired")
        }
        var context = context
        context.grant = entry
        context.caller.set("\(entry.grant.token) \(entry.grant.name)")
        context.logger[metadataKey: "token"] = "\(entry.grant.token) \(entry.grant.name)"
        return try await next(request, context)
    }
}

/// The access list, read again from the log whenever its stream has grown (one short read per
/// request): a revocation holds from the next request on.
public final class AccessCache: Sendable {
    let ledger: DossierLedger
    private let cached = Mutex<(version: StreamVersion, list: AccessList)?>(nil)

    init(ledger: DossierLedger) { self.ledger = ledger }

    /// The grant a presented secret opens now, or nil (unknown, revoked, expired).
    public func grant(secret: String) async throws -> AccessList.Entry? {
        try await current().grant(secret: secret, at: TimeGuard.wallClock())
    }

    /// The grant of a token's public name while it is valid now (not revoked, not expired), or nil.
    public func valid(token: String) async throws -> AccessList.Entry? {
        try await current().valid(token: token, at: TimeGuard.wallClock())
    }

    private func current() async throws -> AccessList {
        let last = try await ledger.store.lastVersion(of: StreamID(CatalogEntry.accessStream))
        if let (version, known) = cached.withLock({ $0 }), version == last { return known }
        let list = try await ledger.accessList()
        cached.withLock { $0 = (last, list) }
        return list
    }
}

