import DossierDomain
import EventLog
import EventLogLMDB
import EventLogPostgres
import Foundation

/// Where a store is, from `--store`: a directory (an LMDB store) or a `postgres://` URL. The one
/// place of the tool that knows the backends; every command works on ``EventStore`` alone.
struct StoreLocation {
    enum Backend {
        case lmdb(directory: String)
        case postgres(PostgresLocation)
    }

    let backend: Backend
    /// `--cache`: where this process keeps its projections (nil: the default).
    let cache: String?

    /// - Throws: ``ToolError`` (usage) for a `postgres://` URL that does not parse.
    init(_ value: String, cache: String? = nil) throws {
        self.cache = cache
        guard PostgresLocation.isURL(value.lowercased()) else {
            backend = .lmdb(directory: value)
            return
        }
        do { backend = .postgres(try PostgresLocation(url: value)) } catch let error as EventStoreError {
            throw ToolError.usage("--store: \(error.message)")
        }
    }

    /// The store as people should see it named (a PostgreSQL URL without its password).
    var name: String {
        switch backend {
        case .lmdb(let directory): directory
        case .postgres(let location): location.description
        }
    }

    /// Whether a store is there (a PostgreSQL database is asked when opened).
    var exists: Bool {
        switch backend {
        case .lmdb(let directory): FileManager.default.fileExists(atPath: directory + "/data.mdb")
        case .postgres: true
        }
    }

    /// Whether this account may write it (else it is opened read-only).
    var isWritable: Bool {
        switch backend {
        case .lmdb(let directory): access(directory + "/data.mdb", W_OK) == 0 && access(directory, W_OK) == 0
        case .postgres: true
        }
    }

    /// The directory of a directory store (nil for PostgreSQL).
    var directory: String? {
        if case .lmdb(let directory) = backend { directory } else { nil }
    }

    /// Where this process keeps its projections (local caches of the log): `--cache`, else the
    /// store's directory, else (PostgreSQL) `$XDG_CACHE_HOME/dossierledger/HOST-PORT-DATABASE`,
    /// `~/.cache/…` without it.
    var projections: String {
        if let cache { return cache }
        switch backend {
        case .lmdb(let directory): return directory
        case .postgres(let location):
            let environment = ProcessInfo.processInfo.environment
            let base = environment["XDG_CACHE_HOME"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
            return base + "/dossierledger/\(location.host)-\(location.port)-\(location.database)"
        }
    }

    /// The log's name in checkpoints when its settings give none: `dossierledger/` and the
    /// store directory's name, or the database's.
    var defaultOrigin: String {
        switch backend {
        case .lmdb(let directory): "dossierledger/" + URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        case .postgres(let location): "dossierledger/" + location.database
        }
    }

    /// Makes the place for a new store.
    func create() throws {
        guard case .lmdb(let directory) = backend else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create the store directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Opens the store (a PostgreSQL store's schema is created or migrated).
    /// - Throws: ``EventStoreError`` (`.corruptStore` for damaged files) or ``ToolError``.
    func open(readOnly: Bool) async throws -> any EventStore & BulkLoading {
        switch backend {
        case .lmdb(let directory):
            return try LMDBEventStore(path: directory, configuration: .init(readOnly: readOnly))
        case .postgres(let location):
            return try await PostgresEventStore.open(location)
        }
    }

    /// The store's settings: `settings.json` in a store directory (which may be written before
    /// the store), a table in PostgreSQL (in `store`, else connected to for them).
    func settings(of store: (any EventStore)?) async throws -> StoreSettings {
        switch backend {
        case .lmdb(let directory):
            return try StoreSettings.read(directory)
        case .postgres(let location):
            guard let text = try await postgres(store, location).settings() else { return StoreSettings() }
            return try StoreSettings.decode(Data(text.utf8), from: "the store's settings table")
        }
    }

    /// Saves the store's settings.
    func save(_ settings: StoreSettings, store: (any EventStore)?) async throws {
        switch backend {
        case .lmdb(let directory):
            try settings.write(directory)
        case .postgres(let location):
            try await postgres(store, location).saveSettings(String(decoding: try settings.encoded(), as: UTF8.self))
        }
    }

    private func postgres(_ store: (any EventStore)?, _ location: PostgresLocation) async throws -> PostgresEventStore {
        if let store = store as? PostgresEventStore { return store }
        return try await PostgresEventStore.open(location)
    }
}
