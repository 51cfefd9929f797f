import Foundation
public import Hummingbird
import ReportFormats

/// A refusal as `application/problem+json` (RFC 9457): a stable `type` per kind of refusal, the
/// HTTP status, a title, what exactly is wrong, and the fields of an event rejection
/// (`line`, `id`, `field`, `rule`) where it has them.
public struct Problem: HTTPResponseError, Sendable {
    /// The kinds of refusal; each is the last part of its `type` URI.
    public enum Kind: String, Sendable, CaseIterable {
        case unauthenticated, forbidden, notFound = "not-found", badRequest = "bad-request", tooLarge = "too-large"
        case rejectedEvent = "rejected-event", idConflict = "id-conflict", wrongVersion = "wrong-version"
        case tooMany = "too-many-requests", timeout, unavailable
        case methodNotAllowed = "method-not-allowed", notAcceptable = "not-acceptable", internalError = "internal-error"

        var status: HTTPResponse.Status {
            switch self {
            case .unauthenticated: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .badRequest: .badRequest
            case .tooLarge: .contentTooLarge
            case .rejectedEvent: .unprocessableContent
            case .idConflict, .wrongVersion: .conflict
            case .tooMany: .tooManyRequests
            case .timeout: .requestTimeout
            case .unavailable: .serviceUnavailable
            case .methodNotAllowed: .methodNotAllowed
            case .notAcceptable: .notAcceptable
            case .internalError: .internalServerError
            }
        }

        var title: String {
            switch self {
            case .unauthenticated: "a valid bearer token is required"
            case .forbidden: "the token's role or unit does not allow this"
            case .notFound: "not found"
            case .badRequest: "the request is malformed"
            case .tooLarge: "the request is too large"
            case .rejectedEvent: "an event breaks a rule of the log"
            case .idConflict: "an event id is stored already with other content"
            case .wrongVersion: "the dossier is not at the expected version"
            case .tooMany: "too many requests with this token"
            case .timeout: "the request took too long to arrive"
            case .unavailable: "the store cannot be reached"
            case .methodNotAllowed: "the path does not take this method"
            case .notAcceptable: "the answer cannot be given in the format asked for"
            case .internalError: "the service failed"
            }
        }
    }

    public let kind: Kind
    public let detail: String
    /// Further members (an event rejection's line, id, field and rule; versions).
    public var members: [(String, String)] = []
    /// Seconds a client should wait (`Retry-After`), for a rate limit.
    public var retryAfter: Int?
    /// The methods a path takes (`Allow`), for a method it does not.
    public var allow: [String]?

    public init(_ kind: Kind, _ detail: String, members: [(String, String)] = [], retryAfter: Int? = nil, allow: [String]? = nil) {
        self.kind = kind
        self.detail = detail
        self.members = members
        self.retryAfter = retryAfter
        self.allow = allow
    }

    public var status: HTTPResponse.Status { kind.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let fields = [("type", "urn:dossierledger:problem:\(kind.rawValue)"), ("title", kind.title), ("detail", detail)] + members
        let body = "{" + fields.map { "\(Renderer.quote($0)):\(Renderer.quote($1))" }.joined(separator: ",")
            + ",\"status\":\(status.code)}\n"
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if kind == .unauthenticated { headers[.wwwAuthenticate] = "Bearer realm=\"dossierledger\"" }
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if let allow { headers[.allow] = allow.joined(separator: ", ") }
        if kind == .timeout { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
