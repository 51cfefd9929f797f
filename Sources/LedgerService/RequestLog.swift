public import Foundation
import DossierDomain
import DossierLog
import Hummingbird
public import Logging
import ReportFormats
import Synchronization

/// One log line per request: its id (also the response's `X-Request-Id`), the token's public
/// name and holder, method, path, status and duration; the query string is left out.
struct RequestLog: RouterMiddleware {
    typealias Context = LedgerContext
    let logger: Logger
    let metrics: ServiceMetrics

    @concurrent func handle(_ request: Request, context: LedgerContext, next: @concurrent (Request, LedgerContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            metrics.request(route: context.endpointPath ?? "unknown", status: status, duration: elapsed)
            let hundredths = elapsed.components.seconds * 100_000 + elapsed.components.attoseconds / 10_000_000_000_000  // of a millisecond
            let milliseconds = "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
            logger.info("request", metadata: [
                "request_id": "\(id)", "token": "\(context.caller.name ?? "-")", "method": "\(request.method)",
                "path": "\(request.uri.path)", "status": "\(status)", "duration_ms": "\(milliseconds)",
            ])
        }
        do {
            var response = try await next(request, context)
            status = Int(response.status.code)
            response.headers[.init("X-Request-Id")!] = id
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            if let problem = error as? Problem { metrics.refused(problem.kind) }
            throw error
        }
    }
}

/// Who made a request, once its token is checked (shared by the middlewares of one request).
final class Caller: Sendable {
    private let held = Mutex<String?>(nil)
    var name: String? { held.withLock { $0 } }
    func set(_ name: String) { held.withLock { $0 = name } }
}

/// swift-log as JSON Lines: one object per entry with `time`, `level`, `label`, `message` and
/// the metadata's keys, for log collectors.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let output: @Sendable (String) -> Void

    public init(label: String, output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let time = TimeGuard.wallClock().utcDescription  // RFC 3339 in UTC with microseconds, as exports write `recorded`
        var fields = [("time", time), ("level", "\(event.level)"), ("label", label), ("message", "\(event.message)")]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            fields.append((key, "\(value)"))
        }
        output("{" + fields.map { "\(Renderer.quote($0)):\(Renderer.quote($1))" }.joined(separator: ",") + "}")
    }
}
