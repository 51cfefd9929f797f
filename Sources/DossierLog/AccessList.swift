import Crypto
public import DossierDomain
public import EventLog
import Foundation

/// The service's tokens as the log records them: every grant, with when it was recorded and,
/// once revoked, when that was recorded.
public struct AccessList: Sendable {
    public struct Entry: Sendable, Hashable {
        public let grant: AccessGrant
        public let granted: Instant
        public internal(set) var revoked: Instant?
    }

    /// Every grant, by its token's public name, in the order recorded.
    public private(set) var entries: [Entry] = []
    private var byToken: [String: Int] = [:]

    /// Folds the records of the access stream, in order.
    /// - Throws: ``CatalogError`` for a record that does not decode.
    public init(_ records: [RecordedEvent]) throws {
        for record in records {
            guard case .catalog(let entry) = try Records.decode(record) else { continue }
            let at = Instant(microsecondsSinceEpoch: record.recorded.rawValue)
            switch entry {
            case .accessGranted(let grant):
                byToken[grant.token] = entries.count
                entries.append(Entry(grant: grant, granted: at, revoked: nil))
            case .accessRevoked(let token):
                if let index = byToken[token], entries[index].revoked == nil { entries[index].revoked = at }
            default:
                continue
            }
        }
    }

    /// The grant of a token's public name.
    public func entry(token: String) -> Entry? { byToken[token].map { entries[$0] } }

    /// The grant a presented secret opens at `now`: nil for a secret of no grant, or of one revoked
    /// or expired (valid through its `expires` day, in the province's time).
    public func grant(secret: String, at now: Instant) -> Entry? {
        let hash = AccessSecret.hash(secret)
        guard let entry = valid(token: String(hash.prefix(12)), at: now), AccessSecret.equal(entry.grant.secretHash, hash) else { return nil }
        return entry
    }

    /// The grant of a token's public name if it holds at `now`: not revoked, not expired.
    public func valid(token: String, at now: Instant) -> Entry? {
        guard let entry = entry(token: token), entry.revoked.map({ $0 > now }) ?? true,
              entry.grant.expires.map({ now.localDate <= $0 }) ?? true else { return nil }
        return entry
    }
}

/// The secrets of the service's tokens: 256 random bits, shown once and stored as their SHA-256.
public enum AccessSecret {
    /// A new secret (`dlt_` and 64 hexadecimal digits) and its grant's hash.
    public static func make() -> (secret: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
        let secret = "dlt_" + bytes.hexDigits
        return (secret, hash(secret))
    }

    /// SHA-256 of the secret, as 64 lowercase hexadecimal digits.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).hexDigits
    }

    /// Compares two hashes in time that does not depend on where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension DossierLedger {
    /// The tokens granted and revoked, as the log says now.
    public func accessList() async throws -> AccessList {
        var records: [RecordedEvent] = []
        var next = StreamVersion(1)
        let stream = try StreamID(CatalogEntry.accessStream)
        while true {
            let batch = try await store.read(stream: stream, from: next, direction: .forward, limit: 1024)
            records += batch
            guard let last = batch.last else { return try AccessList(records) }
            next = last.version.next
        }
    }

    /// Grants a new token and returns its secret (to be shown once) and its grant.
    public func grantAccess(name: String, role: AccessRole, unit: String, expires: LocalDate?) async throws -> (secret: String, grant: AccessGrant) {
        let (secret, hash) = AccessSecret.make()
        let grant = AccessGrant(token: String(hash.prefix(12)), name: name, role: role, unit: unit, expires: expires, secretHash: hash)
        let (stream, event) = try Records.proposed(.accessGranted(grant))
        _ = try await store.append([event], to: stream)
        return (secret, grant)
    }

    /// Revokes a token by its public name; returns false when it was revoked already.
    /// - Throws: ``CatalogError`` when no token has that name.
    public func revokeAccess(token: String) async throws -> Bool {
        guard try await accessList().entry(token: token) != nil else { throw CatalogError("no token \(token) was granted; `dossier token list` shows them") }
        let (stream, event) = try Records.proposed(.accessRevoked(token: token))
        return try await store.append([event], to: stream).appended > 0
    }
}
