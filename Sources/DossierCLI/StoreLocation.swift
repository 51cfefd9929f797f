import DossierDomain
import EventLog
import EventLogLMDB
import Foundation

/// Where a store is, from `--store`: a directory (an LMDB store) or a `postgres://` URL. The one
/// place of the tool that knows the backends; every command works on ``EventStore`` alone.
struct StoreLocation {
    enum Backend {
        case lmdb(directory: String)
        case postgres(url: String)
    }

    let backend: Backend

    init(_ value: String) {
        let lowered = value.lowercased()
        backend = lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") ? .postgres(url: value) : .lmdb(directory: value)
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

    /// Makes the place for a new store.
    func create() throws {
        guard case .lmdb(let directory) = backend else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create the store directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Opens the store.
    /// - Throws: ``EventStoreError`` (`.corruptStore` for damaged files) or ``ToolError``.
    func open(readOnly: Bool) throws -> any EventStore & BulkLoading {
        switch backend {
        case .lmdb(let directory):
            return try LMDBEventStore(path: directory, configuration: .init(readOnly: readOnly))
        case .postgres(let url):
            throw ToolError("\(url): this build of dossier has no PostgreSQL backend yet; give a store directory")
        }
    }
}
