/// What a token of the service may do (each over the subtree of its unit): append the events of
/// its unit's dossiers (`desk`), read views and case histories (`inspector`), read everything,
/// verify and follow the log (`auditor`), run the sweep, rebuilds and tokens (`operator`).
public enum AccessRole: String, Sendable, Hashable, CaseIterable {
    case desk, inspector, auditor, `operator`
}

/// A bearer token of the service, as granted: its secret is kept only as its SHA-256.
public struct AccessGrant: Sendable, Hashable {
    /// The token's public name: the first 12 hexadecimal digits of its secret's SHA-256.
    public let token: String
    /// Who or what holds it (a desk's software, an inspector).
    public let name: String
    public let role: AccessRole
    /// The unit whose subtree it covers.
    public let unit: String
    /// The last day it may be used (in the province's time), nil: until revoked.
    public let expires: LocalDate?
    /// The SHA-256 of the secret, 64 hexadecimal digits.
    public let secretHash: String

    public init(token: String, name: String, role: AccessRole, unit: String, expires: LocalDate?, secretHash: String) {
        self.token = token
        self.name = name
        self.role = role
        self.unit = unit
        self.expires = expires
        self.secretHash = secretHash
    }
}

extension CatalogEntry {
    /// The stream of grants and revocations of the service's tokens: the log says who was allowed
    /// what, and from when to when. A space, as in the catalog's, keeps it from being a dossier.
    public static let accessStream = "system access"

    /// The log's stream that holds this entry.
    public var stream: String {
        switch self {
        case .accessGranted, .accessRevoked: Self.accessStream
        default: Self.stream
        }
    }

    /// The entry as a JSON object, for the access kinds.
    var accessJSON: [String: Any]? {
        switch self {
        case .accessGranted(let grant):
            var object: [String: Any] = ["token": grant.token, "name": grant.name, "role": grant.role.rawValue, "unit": grant.unit,
                                         "secret_sha256": grant.secretHash]
            if let expires = grant.expires { object["expires"] = expires.description }
            return object
        case .accessRevoked(let token):
            return ["token": token]
        default:
            return nil
        }
    }

    /// Parses an access entry's JSON object.
    static func parseAccess(_ o: [String: Any], kind: Kind, string: (String) throws(CatalogError) -> String,
                            optionalString: (String) throws(CatalogError) -> String?) throws(CatalogError) -> CatalogEntry {
        let token = try string("token")
        guard token.count == 12, token.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw CatalogError("field `token` is 12 lowercase hexadecimal digits")
        }
        guard kind == .accessGranted else { return .accessRevoked(token: token) }
        guard let role = AccessRole(rawValue: try string("role")) else {
            throw CatalogError("field `role` must be one of \(AccessRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let hash = try string("secret_sha256")
        guard hash.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }), hash.hasPrefix(token) else {
            throw CatalogError("field `secret_sha256` is 64 lowercase hexadecimal digits that begin with the token")
        }
        var expires: LocalDate?
        if let text = try optionalString("expires") {
            guard let date = LocalDate(parsing: text) else { throw CatalogError("field `expires`: \"\(text)\" is not a date YYYY-MM-DD") }
            expires = date
        }
        return .accessGranted(AccessGrant(token: token, name: try string("name"), role: role, unit: try string("unit"), expires: expires,
                                          secretHash: hash))
    }
}

extension AccessGrant {
    /// Whether `unit` is the grant's unit or under it in the unit tree (as of `date`).
    public func covers(unit: String, catalog: Catalog, on date: LocalDate) -> Bool {
        catalog.lineage(of: unit, on: date).contains(self.unit)
    }
}
