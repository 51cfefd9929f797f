import DossierDomain
import DossierLog
import Hummingbird
import Synchronization

/// Requests per token over time: a bucket of `burst` that refills at `perSecond`; a request
/// finding it empty is answered 429 with the seconds to wait.
final class RateLimiter: Sendable {
    private let perSecond: Double, burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Takes one request from `key`'s bucket; nil when allowed, else the seconds until one is.
    func take(_ key: String) -> Int? {
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            var (tokens, at) = buckets[key] ?? (burst, now)
            let elapsed = now - at
            tokens = min(burst, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * perSecond)
            guard tokens >= 1 else {
                buckets[key] = (tokens, now)
                return Int(((1 - tokens) / perSecond).rounded(.up))
            }
            buckets[key] = (tokens - 1, now)
            return nil
        }
    }
}

/// The rate limit of each token (after ``Authentication``).
struct RateLimit: RouterMiddleware {
    typealias Context = LedgerContext
    let limiter: RateLimiter

    @concurrent func handle(_ request: Request, context: LedgerContext, next: @concurrent (Request, LedgerContext) async throws -> Response) async throws -> Response {
        if let token = context.grant?.grant.token, let wait = limiter.take(token) {
            throw Problem(.tooMany, "this token's requests are limited; try again in \(wait) s", retryAfter: wait)
        }
        return try await next(request, context)
    }
}

extension LedgerService {
    /// The request's body, whole: at most `limits.bodyBytes`, arriving within `limits.bodyTime`
    /// (a client that trickles its body is cut off with 408 at its first bytes past the time;
    /// one that stops sending is closed after `limits.idleTime` of silence). The time is checked
    /// as the body's parts arrive rather than by a timer per request: a timer is a thread
    /// switch on each request, and most bodies arrive with their headers.
    func body(of request: Request) async throws -> ByteBuffer {
        let (size, time) = (limits.bodyBytes, limits.bodyTime)
        let deadline = ContinuousClock.now + time
        if let length = request.headers[.contentLength].flatMap(Int.init), length > size {
            throw Problem(.tooLarge, "a request body holds at most \(size) bytes")
        }
        var body = ByteBuffer()
        for try await var part in request.body {
            guard ContinuousClock.now < deadline else { throw Problem(.timeout, "the body did not arrive within \(time)") }
            guard body.readableBytes + part.readableBytes <= size else { throw Problem(.tooLarge, "a request body holds at most \(size) bytes") }
            body.writeBuffer(&part)
        }
        return body
    }
}
