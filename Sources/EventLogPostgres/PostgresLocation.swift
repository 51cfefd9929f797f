public import EventLog
public import Foundation
public import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`
/// (`postgresql://` too). A password may also come from `PGPASSWORD`, as with `psql`, so that
/// it stays out of process listings. `sslmode` is `disable`, `prefer` (the default) or `require`.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
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
        guard Self.isURL(text), let components = URLComponents(string: text) else { throw bad("is not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("names no host") }
        guard let user = components.user, !user.isEmpty else { throw bad("names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("names no database") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else { throw bad("has sslmode=\(sslMode) (disable, prefer or require)") }
        if let unknown = components.queryItems?.first(where: { $0.name != "sslmode" }) { throw bad("has an unknown parameter \(unknown.name)") }
        (self.host, self.port, self.user, self.database, self.sslMode) = (host, components.port ?? 5432, user, database, sslMode)
        password = components.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `text` with any password replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    /// The configuration of a single connection.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(try .init(configuration: .makeClientConfiguration()))
        default: .prefer(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The client configuration.
    var configuration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case "disable": .disable
        case "require": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
