public import EventLog
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The event store on PostgreSQL: one log that several processes, on several hosts, append to
/// and read, with the same records and the same hash chain as every backend (an export verifies
/// exactly like one from LMDB).
///
/// ```swift
/// let store = try await PostgresEventStore.open(try PostgresLocation(url: "postgres://ledger@db:5432/province"))
/// ```
///
/// Appends take a transaction-level advisory lock, so one transaction at a time, across every
/// process, extends the log: seq stays gap-free and versions per stream exact. Appends that
/// arrive while a commit is in progress share the next transaction and its commit (group
/// commit); each returns once PostgreSQL has made it durable (`synchronous_commit`, and a
/// synchronous standby when the cluster has one). The Merkle tree is kept in the same
/// transactions. The schema is created and migrated by ``open(_:clock:)`` from the SQL files
/// in `Migrations`, each applied once and recorded in `dossierledger_migrations`.
public final class PostgresEventStore: EventStore, BulkLoading {
    public let location: PostgresLocation
    let client: PostgresClient
    let clock: @Sendable () -> RecordedTime
    let logger = Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private let running: Task<Void, Never>
    /// Appends waiting for the next transaction, and whether one is under way.
    let pending = Mutex<(waiting: [PendingAppend], committing: Bool)>(([], false))

    private init(location: PostgresLocation, clock: @escaping @Sendable () -> RecordedTime) {
        self.location = location
        self.clock = clock
        let client = PostgresClient(configuration: location.configuration, backgroundLogger: Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        self.client = client
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Connects, and creates or migrates the schema.
    /// - Parameter clock: when events are recorded (never decreasing along the log).
    /// - Throws: ``EventStoreError`` `.storage` when the server cannot be reached or refuses.
    public static func open(_ location: PostgresLocation, clock: @escaping @Sendable () -> RecordedTime = { RecordedTime.now() }) async throws -> PostgresEventStore {
        let store = PostgresEventStore(location: location, clock: clock)
        // One connection of its own first: a server that is not there, or refuses the login, is
        // said at once (the pool would retry for a minute).
        try await store.mapped {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: store.logger)
            defer { Task { try? await connection.close() } }
            try await store.migrate(connection)
        }
        return store
    }

    /// The advisory lock every writer of the log holds for its transaction.
    static let writerLock: Int64 = 0x646F_7373_6965_72  // "dossier"

    // MARK: Migrations

    /// The migrations in the repository, in order: (version, name, SQL).
    static func migrations() throws -> [(Int, String, String)] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw EventStoreError(.storage, "the PostgreSQL migrations are missing from this build")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            guard let version = Int(file.prefix { $0.isNumber }) else { throw EventStoreError(.storage, "migration \(file) has no number") }
            return (version, file, try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        }
    }

    /// Applies the migrations not yet recorded, each once, in one transaction under the writers' lock.
    private func migrate(_ connection: PostgresConnection) async throws {
        let migrations = try Self.migrations()
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.writerLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS dossierledger_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM dossierledger_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for (version, name, sql) in migrations where !applied.contains(version) {
                for statement in Self.statements(sql) { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO dossierledger_migrations (version, name) VALUES (\(version), \(name))", logger: logger)
            }
        }
    }

    /// The statements of a migration: its text cut after each `;` that ends a line, comment
    /// lines dropped (a prepared statement holds one command).
    static func statements(_ sql: String) -> [String] {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        return lines.joined(separator: "\n").components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }.filter { !$0.isEmpty }
    }

    /// The migrations recorded in the store: (version, name).
    public func appliedMigrations() async throws -> [(Int, String)] {
        try await mapped {
            var result: [(Int, String)] = []
            for try await row in try await client.query("SELECT version, name FROM dossierledger_migrations ORDER BY version", logger: logger)
                .decode((Int, String).self) {
                result.append(row)
            }
            return result
        }
    }

    // MARK: Settings

    /// The store's settings document (JSON), or nil when none was saved.
    public func settings() async throws -> String? {
        try await mapped {
            for try await text in try await client.query("SELECT settings FROM dossierledger_settings WHERE id = 1", logger: logger).decode(String.self) {
                return text
            }
            return nil
        }
    }

    /// Saves the store's settings document.
    public func saveSettings(_ text: String) async throws {
        try await mapped {
            try await client.query("""
                INSERT INTO dossierledger_settings (id, settings) VALUES (1, \(text)) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings
                """, logger: logger)
        }
    }

    // MARK: Errors

    /// Runs `body`, giving PostgreSQL's errors (and its connection pool's) the store's meaning;
    /// the store's own errors, and a caller's (``CallerError``), pass unchanged.
    func mapped<R>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch {
            throw storeError(error)
        }
    }

    private func storeError(_ error: any Error) -> any Error {
        switch error {
        case is EventStoreError, is CallerError: error
        case let error as PSQLError: storeError(error)
        case let error as PostgresTransactionError:
            (error.closureError ?? error.beginError ?? error.commitError).map(storeError) ?? EventStoreError(.storage, "PostgreSQL at \(location): \(error)")
        default: EventStoreError(.storage, "cannot reach PostgreSQL at \(location) (\(error))")
        }
    }

    private func storeError(_ error: PSQLError) -> EventStoreError {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch state {
        case "25006": return EventStoreError(.readOnly, "PostgreSQL at \(location) is read-only (a standby): \(message)", underlying: error)
        case "53100": return EventStoreError(.storageFull, "the disk of PostgreSQL at \(location) is full; nothing of this write was stored", underlying: error)
        case "28P01", "28000": return EventStoreError(.storage, "PostgreSQL at \(location) refused the login: \(message)", underlying: error)
        case "": return EventStoreError(.storage, "cannot reach PostgreSQL at \(location) (\(error.code))", underlying: error)
        default: return EventStoreError(.storage, "PostgreSQL at \(location): \(message) (SQLSTATE \(state))", underlying: error)
        }
    }
}

/// What a caller's closure threw, carried through the store's error mapping unchanged.
struct CallerError: Error {
    let error: any Error
}

// MARK: Rows

extension PostgresEventStore {
    /// Calls `body` with each (seq, record) row of `query`, the record framed in place.
    func forEachRecord(_ query: PostgresQuery, on connection: PostgresConnection? = nil,
                       _ body: (borrowing RecordView) throws -> Void) async throws {
        let rows = if let connection { try await connection.query(query, logger: logger) } else { try await client.query(query, logger: logger) }
        for try await (seq, record) in rows.decode((Int64, ByteBuffer).self) {
            try record.withUnsafeReadableBytes { bytes in try body(try RecordView(bytes: bytes, at: GlobalPosition(UInt64(seq)))) }
        }
    }

    /// The records of `query`, decoded.
    func records(_ query: PostgresQuery, on connection: PostgresConnection? = nil) async throws -> [RecordedEvent] {
        var result: [RecordedEvent] = []
        try await forEachRecord(query, on: connection) { result.append($0.decode()) }
        return result
    }
}

extension EventHash {
    /// The hash as a bytea value.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }
}
