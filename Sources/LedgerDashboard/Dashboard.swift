import DossierDomain
import DossierLog
import Foundation
public import Hummingbird
public import LedgerService
import Projections
import ReportFormats
import Views

/// The inspectors' dashboard, served by `dossier serve` beside the API: sign in with a token,
/// then pages of the province (or the token's unit subtree), server-rendered HTML and SVG,
/// every figure a link down to its dossiers and every dossier to its case history.
public struct Dashboard: ServicePages {
    let sessions = Sessions()

    public init() {}

    public func add(to router: Router<LedgerContext>, service: LedgerService) {
        let pages = Pages(service: service)
        router.get("dashboard/sign-in") { _, _ in html(Layout.page(title: "Đăng nhập", user: nil, csrf: nil, body: Pages.signInForm(error: nil))) }
        router.post("dashboard/sign-in") { request, _ in try await signIn(request, service) }
        router.post("dashboard/sign-out") { request, _ in try await signOut(request, service) }
        router.get("dashboard") { request, _ in try await page(request, service) { try await pages.overview(request, $0) } }
        router.get("dashboard/units/:unit") { request, context in
            try await page(request, service) { try await pages.unit(try context.parameters.require("unit"), request, $0) }
        }
        for kind in [DossierList.late, .dueSoon] {
            router.get("dashboard/\(kind.rawValue)") { request, _ in try await page(request, service) { try await pages.list(kind, request, $0) } }
            for format in [Format.csv, .xlsx] {
                router.get("dashboard/\(kind.rawValue).\(format.rawValue)") { request, _ in
                    try await download(request, service) { try await pages.listDownload(kind, as: format, request, $0) }
                }
            }
        }
        router.get("dashboard/accountability") { request, _ in try await page(request, service) { try await pages.accountability(request, $0) } }
        router.get("dashboard/accountability/dossiers") { request, _ in try await page(request, service) { try await pages.accountabilityDossiers(request, $0) } }
        router.get("dashboard/scorecard") { request, _ in try await page(request, service) { try await pages.scorecard(request, $0) } }
        router.get("dashboard/dossiers/:code") { request, context in
            try await page(request, service) { try await pages.dossier(try context.parameters.require("code"), request, $0) }
        }
        router.get("dashboard/dossiers/:code/proof") { request, context in
            try await download(request, service) { try await pages.proof(try context.parameters.require("code"), request, $0) }
        }
    }

    /// Who is signed in, if anyone: the session's grant, while its token is still valid.
    func signedIn(_ request: Request, _ service: LedgerService) async throws -> User? {
        guard let (_, session) = sessions.session(of: request), let entry = try await service.access.valid(token: session.token) else { return nil }
        return User(grant: entry.grant, csrf: session.csrf)
    }

    /// A file for a signed-in inspector or auditor (401 for anyone else; 404, without a page, for
    /// what is not there or not theirs to see).
    private func download(_ request: Request, _ service: LedgerService, _ body: (User) async throws -> Response) async throws -> Response {
        guard let user = try await signedIn(request, service), user.readsViews else { return Response(status: .unauthorized) }
        do { return try await body(user) } catch is PageNotFound { return Response(status: .notFound) } catch is UnknownFilter {
            return Response(status: .notFound)
        }
    }

    /// A page for whoever is signed in; the sign-in page for anyone else.
    private func page(_ request: Request, _ service: LedgerService, _ body: (User) async throws -> (title: String, html: String)) async throws -> Response {
        guard let user = try await signedIn(request, service) else {
            return Response(status: .seeOther, headers: [.location: "/dashboard/sign-in"])
        }
        guard user.readsViews else {
            return html(Layout.page(title: "403", user: user.name, csrf: user.csrf,
                                    body: "<h1>\(HTML.both("Không có quyền", "Not allowed"))</h1><p>\(HTML.both("Bảng điều khiển dành cho thanh tra và kiểm toán.", "The dashboard is for inspectors and auditors."))</p>"),
                        status: .forbidden)
        }
        do {
            let start = ContinuousClock.now
            let (title, body) = try await body(user)
            var response = html(Layout.page(title: title, user: user.name, csrf: user.csrf, body: body))
            // The server's time for the page, for a browser's developer tools and the page benchmark.
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            response.headers[.init("Server-Timing")!] = "page;dur=\((milliseconds * 10).rounded() / 10)"
            return response
        } catch let missing as PageNotFound {
            return notFound(missing.what, user)
        } catch let unknown as UnknownFilter {  // a filter naming nothing (with the nearest codes)
            return notFound(unknown.description, user)
        }
    }

    private func notFound(_ what: String, _ user: User) -> Response {
        html(Layout.page(title: "404", user: user.name, csrf: user.csrf, body: "<h1>\(HTML.both("Không tìm thấy", "Not found"))</h1><p>\(HTML.escape(what))</p>"),
             status: .notFound)
    }

    private func signIn(_ request: Request, _ service: LedgerService) async throws -> Response {
        // No session yet, so no CSRF token: the form must come from this origin.
        if let origin = request.headers[.origin], let host = request.head.authority, !origin.hasSuffix("://" + host) {
            return html(Layout.page(title: "Đăng nhập", user: nil, csrf: nil, body: Pages.signInForm(error: "cross-site")), status: .forbidden)
        }
        let fields = formFields(try await request.body.collect(upTo: 16_384))
        guard let secret = fields["token"]?.trimmingCharacters(in: .whitespaces), let entry = try await service.access.grant(secret: secret) else {
            return html(Layout.page(title: "Đăng nhập", user: nil, csrf: nil, body: Pages.signInForm(error: "token")), status: .unauthorized)
        }
        let (id, _) = sessions.start(token: entry.grant.token)
        return Response(status: .seeOther, headers: [.location: "/dashboard", .setCookie: Sessions.setCookie(id, lifetime: sessions.lifetime)])
    }

    private func signOut(_ request: Request, _ service: LedgerService) async throws -> Response {
        let fields = formFields(try await request.body.collect(upTo: 16_384))
        guard let (id, session) = sessions.session(of: request), Sessions.same(fields["csrf"] ?? "", session.csrf) else {
            return Response(status: .forbidden)
        }
        sessions.end(id)
        return Response(status: .seeOther, headers: [.location: "/dashboard/sign-in", .setCookie: Sessions.setCookie(nil, lifetime: sessions.lifetime)])
    }
}

/// The signed-in token's grant and its session's CSRF token.
struct User: Sendable {
    let grant: AccessGrant
    let csrf: String
    var name: String { "\(grant.name) · \(grant.role.rawValue) · \(grant.unit)" }
    /// Whether the dashboard is theirs: inspectors' and auditors' (not desks' or operators').
    var readsViews: Bool { grant.role == .inspector || grant.role == .auditor }

    /// Whether `unit` is in the token's subtree.
    func covers(_ unit: String, _ catalog: Catalog) -> Bool {
        grant.role == .auditor || grant.covers(unit: unit, catalog: catalog, on: TimeGuard.wallClock().localDate)
    }
}

/// A dossier or unit that is not there, or not the signed-in token's to see.
struct PageNotFound: Error {
    let what: String
}

func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                       .init("Content-Security-Policy")!: "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}
