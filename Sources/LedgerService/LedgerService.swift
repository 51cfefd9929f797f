import DossierDomain
public import DossierLog
public import EventLog
import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOSSL
public import Projections
import ReportFormats
public import Views

/// Pages served beside the API, with their own routes and sign-in (the inspectors' dashboard):
/// the service adds them to its router, after its request log and refusals.
public protocol ServicePages: Sendable {
    func add(to router: Router<LedgerContext>, service: LedgerService)
}

/// The ledger over HTTP: desks append events, inspectors and auditors read the views and case
/// histories, each with a bearer token granted in the log (``AccessList``) and only what its
/// role and unit allow. Every view answers exactly the JSON of the command line's `--format json`.
public struct LedgerService: Sendable {
    /// What a request may carry.
    public struct Limits: Sendable {
        /// The largest request body (bytes).
        public var bodyBytes = 4 << 20
        /// The most events one request appends.
        public var batchEvents = 1_000
        /// How long a request body may take to arrive.
        public var bodyTime: Duration = .seconds(10)
        /// Requests per second each token may make, and how many at once above that.
        public var perSecond = 200.0, burst = 400.0
        /// How long a connection may stay silent before it is closed.
        public var idleTime: Duration = .seconds(30)

        public init() {}
    }

    public let ledger: DossierLedger
    public let engine: ProjectionEngine
    /// The tokens of the log, kept current (for pages that sign in with a token).
    public let access: AccessCache
    let limits: Limits
    let limiter: RateLimiter
    let metrics = ServiceMetrics()
    /// Where each request's line goes.
    let requests: Logger
    /// The log's name and the key that signs `/v1/checkpoint`'s checkpoints, when one is given.
    let signing: (origin: String, key: NoteSigner)?
    /// The province's targets, for the scorecard view (none: the view answers 404).
    public let targets: [Target]
    /// Pages served beside the API (the dashboard), if any.
    let pages: (any ServicePages)?

    public init(engine: ProjectionEngine, limits: Limits = Limits(), requests: Logger = Logger(label: "dossierledger.requests"),
                signing: (origin: String, key: NoteSigner)? = nil, targets: [Target] = [], pages: (any ServicePages)? = nil) {
        self.targets = targets
        self.pages = pages
        ledger = engine.ledger
        self.engine = engine
        access = AccessCache(ledger: engine.ledger)
        self.limits = limits
        self.requests = requests
        self.signing = signing
        limiter = RateLimiter(perSecond: limits.perSecond, burst: limits.burst)
    }

    /// The server: HTTP/1.1 on `host:port` (port 0: any free one, given to `running`), over TLS
    /// with `tls` (a certificate chain and key in PEM files), closing connections silent for
    /// `limits.idleTime`.
    /// - Throws: when the certificate or key cannot be read.
    public func application(host: String, port: Int, tls: (certificate: String, key: String)? = nil, logger: Logger,
                            running: @escaping @Sendable (Int) -> Void = { _ in }) throws -> some ApplicationProtocol {
        var server = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(limits.idleTime.components.seconds)))
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
            configuration.minimumTLSVersion = .tlsv12
            server = try .tls(server, tlsConfiguration: configuration)
        }
        return Application(router: router(), server: server, configuration: .init(address: .hostname(host, port: port), serverName: "dossierledger"),
                           onServerRunning: { running($0.localAddress?.port ?? port) }, logger: logger)
    }

    /// The routes: `/healthz` and `/readyz` for anyone, everything under `/v1` behind a token.
    public func router() -> Router<LedgerContext> {
        let router = Router(context: LedgerContext.self)
        router.add(middleware: RequestLog(logger: requests, metrics: metrics))
        router.add(middleware: Refusals(openAPI: (try? Self.openAPI()) ?? Data()))
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ in
            do { _ = try await ledger.store.head() } catch { throw Problem(.unavailable, "\(error)") }
            return "ready\n"
        }
        let v1 = router.group("v1").add(middleware: Authentication(access: access)).add(middleware: RateLimit(limiter: limiter))
        v1.post("events") { request, context in try await appendEvents(request, context, voiding: nil) }
        v1.post("dossiers/:code/void") { request, context in try await appendEvents(request, context, voiding: try context.parameters.require("code")) }
        v1.get("dossiers/:code") { _, context in try await dossier(context, history: false) }
        v1.get("dossiers/:code/history") { _, context in try await dossier(context, history: true) }
        v1.get("reports/:view") { request, context in try await report(request, context) }
        v1.get("checkpoint") { request, context in try await checkpoint(request, context) }
        v1.get("events") { request, context in try await events(request, context) }
        v1.get("events/stream") { request, context in try await stream(request, context) }
        v1.get("openapi.json") { _, context in
            _ = try context.granted()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try Self.openAPI())))
        }
        v1.post("admin/sweep") { request, context in try await sweep(request, context) }
        v1.post("admin/rebuild") { _, context in try await rebuild(context) }
        v1.get("admin/stats") { _, context in try await statistics(context) }
        v1.get("admin/tokens") { _, context in try await tokens(context) }
        v1.delete("admin/tokens/:token") { _, context in try await revoke(context) }
        v1.get("verify") { _, context in try await verify(context) }
        pages?.add(to: router, service: self)
        // Prometheus's path, behind the operator's token like the rest.
        router.group("metrics").add(middleware: Authentication(access: access)).get { _, context in
            _ = try context.require([.operator])
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: try await metrics.scrape(engine))))
        }
        return router
    }

    // MARK: Writes

    /// `POST /v1/events`: one event as a JSON object, or several as JSON Lines, stored
    /// atomically after every check an import makes; each event's unit within the desk's subtree.
    /// `If-Match: VERSION` (events of one dossier): the dossier must be at that version first.
    /// `POST /v1/dossiers/{code}/void` (`voiding`): one `voided` event of that dossier.
    func appendEvents(_ request: Request, _ context: LedgerContext, voiding code: String?) async throws -> Response {
        let grant = try context.require([.desk])
        let body = try await body(of: request)
        var events: [DossierEvent] = [], lines: [Int] = []
        for (index, line) in body.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0d }) else { continue }
            guard events.count < limits.batchEvents else { throw Problem(.tooLarge, "a request appends at most \(limits.batchEvents) events") }
            let parsed = try [UInt8](line).withUnsafeBufferPointer { bytes in
                do throws(EventRejection) { return try DossierEvent.parse(line: bytes, number: index + 1) } catch { throw rejected(error) }
            }
            events.append(parsed.event)
            lines.append(index + 1)
        }
        guard !events.isEmpty else { throw Problem(.badRequest, "the body holds no event: send one JSON object, or JSON Lines") }
        if let code, events.count != 1 || events[0].dossier != code || events[0].type != .voided {
            throw Problem(.badRequest, "a correction is one event of type voided for dossier \(code)")
        }
        var expected: [String: StreamVersion] = [:]
        if let match = request.headers[.ifMatch] {
            let digits = match.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            guard let version = UInt64(digits), Set(events.map(\.dossier)).count == 1 else {
                throw Problem(.badRequest, "If-Match is the dossier's version (0: a new dossier), for events of one dossier")
            }
            expected[events[0].dossier] = StreamVersion(version)
        }
        let rules = try await ledger.rules()
        let today = TimeGuard.wallClock().localDate
        for (event, line) in zip(events, lines) where !grant.covers(unit: event.unit, catalog: rules.catalog, on: today) {
            throw Problem(.forbidden, "line \(line), event \(event.id): unit \(event.unit) is not \(grant.unit) or under it")
        }
        let result: AppendResult
        do {
            result = try await ledger.append(batch: events, lines: lines, rules: rules, expected: expected)
        } catch let error as EventRejection {
            throw rejected(error)
        } catch let error as EventStoreError where error.code == .idConflict {
            throw Problem(.idConflict, error.message)
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            // Both as version numbers (If-Match's form), whatever the store's wording.
            let expected = error.expected.map { if case .exact(let version) = $0 { "\(version)" } else { "\($0)" } } ?? ""
            throw Problem(.wrongVersion, error.message, members: [("expected", expected), ("actual", error.actual.map { "\($0)" } ?? "")])
        }
        metrics.appended(result.appended, batch: events.count)
        let head = try await ledger.store.head()
        var fields: [(String, Value)] = [("appended", .integer(result.appended)), ("already_stored", .integer(result.duplicates))]
        fields.append(("first_seq", result.positions.map { .integer(Int($0.lowerBound.rawValue)) } ?? .null))
        fields.append(("last_seq", result.positions.map { .integer(Int($0.upperBound.rawValue)) } ?? .null))
        fields.append(("head_hash", head.map { .digest($0.hash.hex) } ?? .null))
        return json(Renderer(format: .json, language: .en).outcome("", fields), status: result.appended > 0 ? .created : .ok)
    }

    /// An event rejection as a problem with its line, id, field and rule.
    private func rejected(_ error: EventRejection) -> Problem {
        var members: [(String, String)] = []
        if let line = error.line { members.append(("line", "\(line)")) }
        if let id = error.eventID { members.append(("id", id)) }
        if let field = error.field { members.append(("field", field)) }
        members.append(("rule", error.rule.description))
        return Problem(.rejectedEvent, error.description, members: members)
    }

    // MARK: Reads

    /// `GET /v1/dossiers/{code}` (the state now) and `…/history` (every event, the hash links
    /// checked): a desk's or inspector's only for a dossier its unit's subtree handled.
    func dossier(_ context: LedgerContext, history full: Bool) async throws -> Response {
        let grant = try context.require([.desk, .inspector, .auditor])
        let code = try context.parameters.require("code")
        guard Self.isDossierCode(code) else {
            throw Problem(.badRequest, "a dossier code is 1 to 64 printable characters without a slash")
        }
        let rules = try await ledger.rules()
        let reader = LogReader(ledger: ledger, rules: rules)
        let history: CaseHistory
        do { history = try await reader.history(of: code) } catch let error as UnknownDossier {
            throw Problem(.notFound, error.description)
        }
        if grant.role != .auditor {
            let today = TimeGuard.wallClock().localDate
            guard history.units.contains(where: { grant.covers(unit: $0, catalog: rules.catalog, on: today) }) else {
                throw Problem(.notFound, "no dossier \(code) among those of \(grant.unit)")  // not even whether it exists
            }
        }
        if full, grant.role != .desk {  // who read whose case history, and when (Decree 13/2023)
            requests.notice("case history read", metadata: ["dossier": "\(code)", "role": "\(grant.role.rawValue)", "token": "\(grant.token) \(grant.name)"])
        }
        let renderer = Renderer(format: .json, language: .en)
        if full { return json(renderer.render(history.report)) }
        var state = history.report
        state.rows = []
        return json(renderer.render(state))
    }

    /// Whether a path's dossier code can name a dossier: 1 to 64 printable ASCII characters
    /// without a slash (no path tricks), checked before anything is read.
    public static func isDossierCode(_ code: String) -> Bool {
        code.utf8.count <= 64 && code.utf8.allSatisfy { (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "/") }
    }

    /// The OpenAPI 3.1 document of these routes (`Resources/openapi.json`).
    static func openAPI() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw Problem(.unavailable, "the OpenAPI document is missing from this build")
        }
        return try Data(contentsOf: url)
    }

    func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
