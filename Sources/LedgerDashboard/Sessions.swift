import DossierLog
import EventLog
import Foundation
import Hummingbird
import Synchronization

/// Signed-in browsers: a random session id in an HttpOnly, Secure, SameSite=Strict cookie, kept
/// here only as its SHA-256, with the token's public name (checked against the access list on
/// every request: a revoked token ends its sessions) and a CSRF token for the session's forms.
final class Sessions: Sendable {
    struct Session: Sendable {
        let token: String
        let csrf: String
        let expires: ContinuousClock.Instant
    }

    static let cookie = "dl_session"
    let lifetime: Duration
    private let open = Mutex<[String: Session]>([:])

    init(lifetime: Duration = .seconds(8 * 3_600)) { self.lifetime = lifetime }

    /// A new session for a token's public name: its id (for the cookie) and CSRF token.
    func start(token: String) -> (id: String, csrf: String) {
        let (id, csrf) = (Self.random(), Self.random())
        let now = ContinuousClock.now
        open.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }  // forget the expired ones
            sessions[AccessSecret.hash(id)] = Session(token: token, csrf: csrf, expires: now + lifetime)
        }
        return (id, csrf)
    }

    /// The session a request's cookie names, while it lasts.
    func session(of request: Request) -> (id: String, session: Session)? {
        guard let id = Self.cookieValue(request.headers[.cookie] ?? "") else { return nil }
        let key = AccessSecret.hash(id)
        guard let session = open.withLock({ $0[key] }), session.expires > ContinuousClock.now else { return nil }
        return (id, session)
    }

    func end(_ id: String) { _ = open.withLock { $0.removeValue(forKey: AccessSecret.hash(id)) } }

    /// The `Set-Cookie` value of a session id (empty and expired: signing out).
    static func setCookie(_ id: String?, lifetime: Duration) -> String {
        "\(cookie)=\(id ?? ""); Path=/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age=\(id == nil ? 0 : lifetime.components.seconds)"
    }

    static func cookieValue(_ header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookie, pair[1].utf8.count == 64 { return String(pair[1]) }
        }
        return nil
    }

    /// 256 random bits as 64 hexadecimal digits (the system's cryptographic generator).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }.hexDigits
    }

    /// Compares two strings in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// An `application/x-www-form-urlencoded` body's fields.
func formFields(_ body: ByteBuffer) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in String(buffer: body).split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
    }
    return fields
}
