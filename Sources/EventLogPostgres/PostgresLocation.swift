public import EventLog
public import Foundation
public import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`
/// (`postgresql://` too). Several hosts, `HOST1:PORT1,HOST2:PORT2`, name a primary and its
/// standbys, as with libpq: the store writes to the one that is the primary, and moves to another
/// when it fails. A password may also come from `PGPASSWORD`, as with `psql`, so that it stays out
/// of process listings. `sslmode` is `disable`, `prefer` (the default) or `require`.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
    }

    /// The hosts, in the order they are tried.
    public var endpoints: [Endpoint]
    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String

    /// Whether `text` names a PostgreSQL store (rather than a directory).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL.
    /// - Throws: ``EventStoreError`` `.storage` naming what is wrong.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ why: String) -> EventStoreError {
            EventStoreError(.storage, "the store URL \(PostgresLocation.redacted(text)) \(why); write postgres://USER@HOST:PORT/DATABASE")
        }
        // URLComponents reads one host: the list is taken out first.
        guard let scheme = text.range(of: "://") else { throw bad("is not a postgres:// URL") }
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let hostList = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        var endpoints: [Endpoint] = []
        for item in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { throw bad("names no host") }
            guard let port = parts.count == 2 ? Int(parts[1]) : 5432, (1...65535).contains(port) else { throw bad("has a bad port in \(item)") }
            endpoints.append(Endpoint(host: String(host), port: port))
        }
        let first = text.replacingOccurrences(of: hostList, with: endpoints.first?.description ?? "", options: [], range: text.range(of: hostList))
        guard Self.isURL(text), !endpoints.isEmpty, let components = URLComponents(string: first) else { throw bad("is not a postgres:// URL") }
        guard let user = components.user, !user.isEmpty else { throw bad("names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("names no database") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else { throw bad("has sslmode=\(sslMode) (disable, prefer or require)") }
        if let unknown = components.queryItems?.first(where: { $0.name != "sslmode" }) { throw bad("has an unknown parameter \(unknown.name)") }
        (self.endpoints, self.user, self.database, self.sslMode) = (endpoints, user, database, sslMode)
        password = components.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(endpoints.map(\.description).joined(separator: ","))/\(database)" }

    /// `text` with any password replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    /// The configuration of a single connection.
    func connectionConfiguration(_ endpoint: Endpoint) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(try .init(configuration: .makeClientConfiguration()))
        default: .prefer(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: endpoint.host, port: endpoint.port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The configuration of a pool of connections to `endpoint`.
    func configuration(_ endpoint: Endpoint) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: endpoint.host, port: endpoint.port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
