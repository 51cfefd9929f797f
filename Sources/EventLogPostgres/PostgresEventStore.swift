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
    let clock: @Sendable () -> RecordedTime
    let logger = Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// The pool of connections to the primary and the task that runs it; or, once it was lost,
    /// the search for the new primary that every operation waits for.
    private let primary: Mutex<Primary>

    private enum Primary {
        case connected(PostgresLocation.Endpoint, PostgresClient, running: Task<Void, Never>, lost: LossSignal)
        case lost(PostgresLocation.Endpoint, search: Task<PostgresClient, any Error>?)
    }
    /// The LISTEN that wakes subscriptions.
    let appended = AppendListener()
    /// Appends waiting for the next transaction, and whether one is under way.
    let pending = Mutex<(waiting: [PendingAppend], committing: Bool)>(([], false))

    private init(location: PostgresLocation, clock: @escaping @Sendable () -> RecordedTime) {
        self.location = location
        self.clock = clock
        primary = Mutex(.lost(location.endpoints[0], search: nil))
    }

    deinit {
        primary.withLock { primary in
            switch primary {
            case .connected(_, _, let running, _): running.cancel()
            case .lost(_, let search): search?.cancel()
            }
        }
    }

    /// Makes `endpoint` the primary: a pool of connections to it, and (with standbys to fail
    /// over to) a watch on it, since a pool whose server is gone waits for connections rather
    /// than failing what waits for them.
    @discardableResult
    private func adopt(_ endpoint: PostgresLocation.Endpoint) -> PostgresClient {
        let client = PostgresClient(configuration: location.configuration(endpoint),
                                    backgroundLogger: Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() }))
        let location = location
        let running = Task { [weak self] in
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                guard location.endpoints.count > 1 else { return }
                group.addTask { [weak self] in
                    await Self.watch(location, endpoint)
                    // At once, not after the pool's shutdown, which waits for its connections.
                    if !Task.isCancelled { self?.primaryLost(endpoint) }
                }
            }
        }
        primary.withLock { $0 = .connected(endpoint, client, running: running, lost: LossSignal()) }
        return client
    }

    /// Returns once `endpoint` has not answered as a primary twice in a row (checked each second);
    /// never when the task is cancelled first.
    private static func watch(_ location: PostgresLocation, _ endpoint: PostgresLocation.Endpoint) async {
        var failures = 0
        while failures < 2 && !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            failures = await isPrimary(location, endpoint) ? 0 : failures + 1
        }
    }

    private static func isPrimary(_ location: PostgresLocation, _ endpoint: PostgresLocation.Endpoint) async -> Bool {
        let logger = Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        guard let configuration = try? location.connectionConfiguration(endpoint),
              let connection = try? await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger) else { return false }
        defer { Task { try? await connection.close() } }
        guard let rows = try? await connection.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) else { return false }
        var primary = false
        do { for try await inRecovery in rows { primary = !inRecovery } } catch { return false }
        return primary
    }

    /// The pool of connections to the primary; after it was lost, once the new primary is found
    /// (one search for every operation waiting, up to 30 s).
    func primaryClient() async throws -> PostgresClient {
        let search: Task<PostgresClient, any Error> = primary.withLock { primary in
            switch primary {
            case .connected(_, let client, _, _):
                return Task { client }
            case .lost(_, let search?):
                return search
            case .lost(let previous, nil):
                let search = Task { try await self.search(after: previous) }
                primary = .lost(previous, search: search)
                return search
            }
        }
        return try await search.value
    }

    private func search(after previous: PostgresLocation.Endpoint) async throws -> PostgresClient {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                let (endpoint, connection) = try await Self.findPrimary(location, after: previous)
                try? await connection.close()
                return adopt(endpoint)
            } catch is EventStoreError where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            } catch {
                primary.withLock { $0 = .lost(previous, search: nil) }  // the next operation searches again
                throw error
            }
        }
    }

    /// Connects to the primary among the location's hosts, and creates or migrates the schema.
    /// - Parameter clock: when events are recorded (never decreasing along the log).
    /// - Throws: ``EventStoreError`` `.storage` when no host is a primary that can be reached.
    public static func open(_ location: PostgresLocation, clock: @escaping @Sendable () -> RecordedTime = { RecordedTime.now() }) async throws -> PostgresEventStore {
        // One connection of its own first: a server that is not there, or refuses the login, is
        // said at once (the pool would retry for a minute).
        let (endpoint, connection) = try await findPrimary(location)
        defer { Task { try? await connection.close() } }
        let store = PostgresEventStore(location: location, clock: clock)
        store.adopt(endpoint)
        try await store.mapped { try await store.migrate(connection) }
        return store
    }

    /// The first host, in the location's order, that answers and is not in recovery (a standby).
    private static func findPrimary(_ location: PostgresLocation, after current: PostgresLocation.Endpoint? = nil) async throws
        -> (PostgresLocation.Endpoint, PostgresConnection) {
        let logger = Logger(label: "dossierledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        var failures: [String] = []
        let start = current.flatMap { location.endpoints.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        for offset in location.endpoints.indices {
            let endpoint = location.endpoints[(start + offset) % location.endpoints.count]
            do {
                let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(endpoint), id: offset, logger: logger)
                var standby = true
                for try await inRecovery in try await connection.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) { standby = inRecovery }
                if !standby { return (endpoint, connection) }
                failures.append("\(endpoint) is a standby")
                try? await connection.close()
            } catch let error as PSQLError {
                failures.append("\(endpoint): \(error.serverInfo?[.message] ?? "\(error.code)")")
            }
        }
        let reason = failures.joined(separator: "; ")
        throw EventStoreError(.storage, location.endpoints.count == 1 ? "cannot reach PostgreSQL at \(location) (\(reason))" : "no primary among the hosts of \(location) (\(reason))")
    }

    /// After a failure that may mean the primary is gone (its connection lost, or it became
    /// read-only): its pool is shut down (what waits for it fails at once) and the next
    /// operation looks for the primary among the hosts. The failed operation is not retried
    /// here: an append is safe to retry with the same event ids.
    func primaryLost(_ lost: PostgresLocation.Endpoint? = nil) {
        primary.withLock { primary in
            guard case .connected(let endpoint, _, let running, let signal) = primary, lost == nil || lost == endpoint else { return }
            running.cancel()
            signal.fire()
            primary = .lost(endpoint, search: nil)
        }
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
            for try await row in try await primaryClient().query("SELECT version, name FROM dossierledger_migrations ORDER BY version", logger: logger)
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
            for try await text in try await primaryClient().query("SELECT settings FROM dossierledger_settings WHERE id = 1", logger: logger).decode(String.self) {
                return text
            }
            return nil
        }
    }

    /// Saves the store's settings document.
    public func saveSettings(_ text: String) async throws {
        try await mapped {
            try await primaryClient().query("""
                INSERT INTO dossierledger_settings (id, settings) VALUES (1, \(text)) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings
                """, logger: logger)
        }
    }

    // MARK: Errors

    /// Runs `body`, giving PostgreSQL's errors (and its connection pool's) the store's meaning;
    /// the store's own errors pass unchanged.
    /// After a failure that may mean the primary is gone, the pool moves to the primary found
    /// among the hosts before the error is thrown, so that a retry goes there.
    func mapped<R>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch {
            if Self.mayMeanPrimaryLost(error) { primaryLost() }
            throw storeError(error)
        }
    }

    /// A lost connection, a server shutting down or in recovery, a pool that gave up.
    private static func mayMeanPrimaryLost(_ error: any Error) -> Bool {
        switch error {
        case is EventStoreError: false
        case let error as PSQLError:
            (error.serverInfo?[.sqlState]).map { $0.hasPrefix("08") || $0.hasPrefix("57P") || $0 == "25006" } ?? true
        case let error as PostgresTransactionError: (error.closureError ?? error.beginError ?? error.commitError).map(mayMeanPrimaryLost) ?? true
        default: true
        }
    }

    private func storeError(_ error: any Error) -> any Error {
        switch error {
        case is EventStoreError: error
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

/// Fires once, when the primary it belongs to is found lost: what waits on a connection to it is
/// failed then (a connection closed under a query in flight may never answer).
final class LossSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [@Sendable () -> Void])>((false, []))

    /// Calls `body` when the signal fires (at once if it has).
    func onFire(_ body: @escaping @Sendable () -> Void) {
        let fired = state.withLock { state in
            if !state.fired { state.waiters.append(body) }
            return state.fired
        }
        if fired { body() }
    }

    func fire() {
        let waiters = state.withLock { state in
            defer { state = (true, []) }
            return state.fired ? [] : state.waiters
        }
        waiters.forEach { $0() }
    }
}

extension PostgresEventStore {
    /// Runs `body` against the primary, failing it with `.storage` if that primary is found lost
    /// first (then `body` is left to end on its own).
    func unlessPrimaryLost<R: Sendable>(_ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let signal: LossSignal? = primary.withLock { primary in
            if case .connected(_, _, _, let lost) = primary { lost } else { nil }
        }
        let location = location
        return try await withCheckedThrowingContinuation { continuation in
            let once = Mutex<CheckedContinuation<R, any Error>?>(continuation)
            let finish: @Sendable (Result<R, any Error>) -> Void = { result in
                once.withLock { continuation in defer { continuation = nil }; return continuation }?.resume(with: result)
            }
            Task { finish(await Result { try await body() }) }
            signal?.onFire { finish(.failure(EventStoreError(.storage, "the primary of \(location) was lost during the write; retry it (with the same event ids)"))) }
        }
    }
}

// MARK: Rows

extension PostgresEventStore {
    /// Calls `body` with each (seq, record) row of `query`, the record framed in place.
    func forEachRecord(_ query: PostgresQuery, on connection: PostgresConnection? = nil,
                       _ body: (borrowing RecordView) throws -> Void) async throws {
        let rows = if let connection { try await connection.query(query, logger: logger) } else { try await primaryClient().query(query, logger: logger) }
        // Collected at once: a row at a time through the async sequence cost ~30 µs a row.
        for row in try await rows.collect() {
            let (seq, record) = try row.decode((Int64, ByteBuffer).self)
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
