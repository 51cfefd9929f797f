import DossierDomain
import DossierLog
import EventLog
import EventLogLMDB
import EventLogPostgres
import Foundation
import Glibc
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import LedgerService
import LedgerTesting
import Logging
import Projections
import ProvinceGenerator
import Testing
import Views

/// The stores a service runs on in the tests.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case lmdb, postgres
    var testDescription: String { rawValue }

    /// Both where PostgreSQL runs here; LMDB alone (with a loud message) where it does not.
    static let available: [Backend] = PostgresCluster.runs(for: "the service's tests on PostgreSQL") ? [.lmdb, .postgres] : [.lmdb]

    /// A new, empty store: an LMDB environment in `directory`, or a new database in the test
    /// process's PostgreSQL cluster.
    func store(in directory: String) async throws -> any EventStore & BulkLoading {
        switch self {
        case .lmdb: return try LMDBEventStore(path: directory + "/store", configuration: .init(initialMapSize: 64 << 20))
        case .postgres:
            let cluster = try PostgresCluster.shared.get()
            return try await PostgresEventStore.open(try PostgresLocation(url: try cluster.createDatabase()))
        }
    }
}

/// The service on a loopback port of its own, over a store (LMDB unless told) of a small
/// generated province, with one token per role (desk and inspector of commune H19.X07, auditor
/// and operator of H19).
final class RunningService: Sendable {
    let port: Int
    let ledger: DossierLedger
    let engine: ProjectionEngine
    let tokens: [String: String]
    private let server: Task<Void, any Error>

    private init(port: Int, ledger: DossierLedger, engine: ProjectionEngine, tokens: [String: String], server: Task<Void, any Error>) {
        (self.port, self.ledger, self.engine, self.tokens, self.server) = (port, ledger, engine, tokens, server)
    }

    static func start(in directory: String, backend: Backend = .lmdb, limits: LedgerService.Limits = .init(),
                      requests: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                      signing: (origin: String, key: NoteSigner)? = nil, targets: [Target] = [],
                      pages: (any ServicePages)? = nil) async throws -> RunningService {
        let ledger = DossierLedger(store: try await backend.store(in: directory))
        try await ledger.record(Province().entries)
        _ = try ProvinceGenerator(options: .init(seed: 42, dossiers: 80)).write(to: directory + "/province")
        _ = try await ledger.importEvents(path: directory + "/province/events.jsonl")
        var tokens: [String: String] = [:]
        for (name, role, unit) in [("desk", AccessRole.desk, "H19.X07"), ("inspector", .inspector, "H19.X07"), ("auditor", .auditor, "H19"),
                                   ("operator", .operator, "H19"), ("desk-province", .desk, "H19")] {
            tokens[name] = try await ledger.grantAccess(name: name, role: role, unit: unit, expires: nil).secret
        }
        let engine = try ProjectionEngine(storePath: directory + "/store", ledger: ledger)
        let service = LedgerService(engine: engine, limits: limits, requests: requests, signing: signing, targets: targets, pages: pages)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = try service.application(host: "127.0.0.1", port: 0, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) {
            announce.yield($0)
        }
        let server = Task { try await app.run() }
        var next = ports.makeAsyncIterator()
        guard let port = await next.next() else { throw CancellationError() }
        return RunningService(port: port, ledger: ledger, engine: engine, tokens: tokens, server: server)
    }

    func stop() async {
        server.cancel()
        _ = await server.result
    }

    /// One request with a real HTTP client (URLSession, libcurl) to the loopback port; with
    /// `redirects` false, a redirect is answered as it is, not followed.
    func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil,
                 headers: [String: String] = [:], redirects: Bool = true) async throws -> (status: Int, body: String, headers: [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await (redirects ? URLSession.shared : NoRedirects.session).data(for: request)
        let http = response as! HTTPURLResponse
        let fields = Dictionary(http.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }, uniquingKeysWith: { a, _ in a })
        return (http.statusCode, String(decoding: data, as: UTF8.self), fields)
    }
}

/// Reads a streaming response (Server-Sent Events) as it arrives, until `enough` says so or
/// `timeout` passes; then the connection is closed.
final class StreamReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    private var done: CheckedContinuation<String, Never>?
    private let enough: @Sendable (String) -> Bool

    init(enough: @escaping @Sendable (String) -> Bool) { self.enough = enough }

    static func read(_ request: URLRequest, timeout: Duration = .seconds(20), enough: @escaping @Sendable (String) -> Bool) async -> String {
        let reader = StreamReader(enough: enough)
        let session = URLSession(configuration: .default, delegate: reader, delegateQueue: nil)
        let task = session.dataTask(with: request)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            reader.finish()
        }
        let text = await withCheckedContinuation { continuation in
            reader.lock.withLock { reader.done = continuation }
            task.resume()
        }
        timer.cancel()
        task.cancel()
        session.invalidateAndCancel()
        return text
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let satisfied = lock.withLock {
            text += String(decoding: data, as: UTF8.self)
            return enough(text)
        }
        if satisfied { finish() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) { finish() }

    private func finish() {
        let (continuation, text) = lock.withLock { () -> (CheckedContinuation<String, Never>?, String) in
            defer { done = nil }
            return (done, self.text)
        }
        continuation?.resume(returning: text)
    }
}

/// A client that writes bytes to a loopback port when told, for clients that misbehave (a body
/// trickled in), and reads what comes back until the server closes or `timeout` passes.
struct RawClient {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw CancellationError() }
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } >= 0
    }

    /// What the server sent until it closed, or `timeout` passed.
    func receive(timeout: Duration) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let n = recv(socket, &buffer, buffer.count, 0)
            if n == 0 { break }
            if n > 0 { received += buffer[0..<n] }
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { _ = Glibc.close(socket) }
}

/// Answers redirects as they are.
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    /// One session for the whole test process (each session holds libcurl's handles and
    /// dispatch sources until it is invalidated).
    static let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) { completionHandler(nil) }
}
