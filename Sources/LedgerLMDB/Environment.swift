internal import CLMDB
internal import Glibc
import Synchronization

/// An open LMDB environment: one directory (or file) holding named databases.
///
/// Open a path once per process; a second open of the same path throws ``LMDBError/Code/busy``
/// (LMDB's rule: two handles on one file in one process break its locks). Every stored property is
/// immutable or guarded, and `MDB_env` is thread-safe, so an environment is `Sendable`.
///
/// ```swift
/// let env = try Environment(path: dir, configuration: .init(mapSize: 1 << 20, maxDatabases: 8))
/// let (log) = try env.openDatabases([.init("log")])[0]
/// try env.write { txn in try txn.put(value, forKey: key, in: log) }
/// let bytes = try env.read { txn in try txn.value(forKey: key, in: log) }
/// ```
///
/// - Important: Transactions are closure-scoped and thread-bound. ``read(_:)`` and ``write(_:)``
///   are unavailable from `async` code: call them from a thread or queue of your own (the event
///   store runs every write on one dedicated queue). See `Concurrency.md`.
///
/// Related LMDB documentation: `mdb_env_create`, `mdb_env_open`, `mdb_env_set_mapsize` (lmdb.h).
public final class Environment: @unchecked Sendable {
    /// How an environment is opened.
    public struct Configuration: Sendable, Equatable {
        /// The initial map size in bytes; it grows by doubling whenever a write meets `MDB_MAP_FULL`.
        public var mapSize: Int
        /// The most concurrent read transactions across all processes (`mdb_env_set_maxreaders`).
        public var maxReaders: Int
        /// The most named databases (`mdb_env_set_maxdbs`).
        public var maxDatabases: Int
        public var options: Options
        /// Unix mode of the data and lock files; owner-only by default.
        public var fileMode: UInt32

        public init(mapSize: Int = 64 << 20, maxReaders: Int = 126, maxDatabases: Int = 16,
                    options: Options = [], fileMode: UInt32 = 0o600) {
            self.mapSize = mapSize
            self.maxReaders = maxReaders
            self.maxDatabases = maxDatabases
            self.options = options
            self.fileMode = fileMode
        }
    }

    /// Environment flags with Swift names. Durability-weakening flags are opt-in only.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The path is the data file itself, not a directory (`MDB_NOSUBDIR`).
        public static let noSubdirectory = Options(rawValue: UInt32(MDB_NOSUBDIR))
        /// Open for reading only; every write transaction fails (`MDB_RDONLY`).
        public static let readOnly = Options(rawValue: UInt32(MDB_RDONLY))
        /// Do not fsync after commit (`MDB_NOSYNC`).
        /// - Warning: lmdb.h: "a system crash can undo the last committed transactions"; the
        ///   database stays intact but acknowledged writes may be lost.
        public static let noSync = Options(rawValue: UInt32(MDB_NOSYNC))
        /// Do not fsync the meta page after commit (`MDB_NOMETASYNC`).
        /// - Warning: lmdb.h: "a system crash can undo the last committed transaction".
        public static let noMetaSync = Options(rawValue: UInt32(MDB_NOMETASYNC))
    }

    /// The directory (or file, with ``Options/noSubdirectory``) of this environment.
    public let path: String
    let handle: OpaquePointer
    let options: Options
    /// Shared by every transaction of this process, taken exclusively to change the map size
    /// (LMDB allows `mdb_env_set_mapsize` only while this process has no transaction).
    private let resizeLock: UnsafeMutablePointer<pthread_rwlock_t>

    private static let openPaths = Mutex<Set<String>>([])

    /// Opens (and, unless read-only, creates) the environment at `path`.
    ///
    /// - Throws: ``LMDBError`` with `.busy` when this process already has `path` open,
    ///   `.noSuchFile` when a read-only path does not exist, `.accessDenied` without permission,
    ///   `.invalid` when the file is not LMDB's, `.mapResized`/`.corrupted` on a damaged file.
    ///   Every failure after `mdb_env_create` closes the half-made environment.
    public init(path: String, configuration: Configuration = .init()) throws(LMDBError) {
        let options = configuration.options
        if !options.contains(.noSubdirectory) && !options.contains(.readOnly) {
            // In a directory shared with its group (setgid), the new one is readable by the group too.
            var parent = stat()
            let parentPath = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            let shared = stat(parentPath.isEmpty ? "/" : parentPath, &parent) == 0 && parent.st_mode & S_ISGID != 0
            if mkdir(path, shared ? 0o750 : 0o700) != 0 && errno != EEXIST {
                throw LMDBError(code: .init(rawValue: errno), operation: "mkdir", path: path)
            }
        }
        let key = Environment.canonical(path)
        let inserted = Environment.openPaths.withLock { $0.insert(key).inserted }
        guard inserted else {
            throw LMDBError(code: .busy, operation: "mdb_env_open (already open in this process)", path: path)
        }
        var env: OpaquePointer?
        var rc = mdb_env_create(&env)
        guard rc == 0, let env else {
            Environment.openPaths.withLock { _ = $0.remove(key) }
            throw LMDBError(code: .init(rawValue: rc), operation: "mdb_env_create", path: path)
        }
        rc = mdb_env_set_mapsize(env, configuration.mapSize)
        if rc == 0 { rc = mdb_env_set_maxreaders(env, UInt32(configuration.maxReaders)) }
        if rc == 0 { rc = mdb_env_set_maxdbs(env, MDB_dbi(configuration.maxDatabases)) }
        if rc == 0 { rc = mdb_env_open(env, path, options.rawValue | UInt32(MDB_NOTLS), mdb_mode_t(configuration.fileMode)) }
        if rc != 0 {
            mdb_env_close(env)
            Environment.openPaths.withLock { _ = $0.remove(key) }
            throw LMDBError(code: .init(rawValue: rc), operation: "mdb_env_open", path: path)
        }
        // A data file shorter than the pages its meta page names (truncated) would make a read
        // past its end a SIGBUS: refuse it here, with a clear error.
        var info = MDB_envinfo()
        var pages = MDB_stat()
        mdb_env_info(env, &info)
        mdb_env_stat(env, &pages)
        let needed = (info.me_last_pgno + 1) * Int(pages.ms_psize)
        let file = options.contains(.noSubdirectory) ? path : path + "/data.mdb"
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        let size = descriptor >= 0 ? Int(lseek(descriptor, 0, SEEK_END)) : -1
        if descriptor >= 0 { close(descriptor) }
        if size >= 0, size < needed {
            mdb_env_close(env)
            Environment.openPaths.withLock { _ = $0.remove(key) }
            throw LMDBError(code: .corrupted, operation: "open: the data file is \(size) bytes but its pages reach \(needed) bytes: it was truncated", path: path)
        }
        if !options.contains(.readOnly) && !options.contains(.noSubdirectory) { Environment.shareWithGroupIfSetgid(path) }
        self.path = path
        self.handle = env
        self.options = options
        resizeLock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(resizeLock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        mdb_env_close(handle)
        pthread_rwlock_destroy(resizeLock)
        resizeLock.deallocate()
        let key = Environment.canonical(path)
        Environment.openPaths.withLock { _ = $0.remove(key) }
    }

    private static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens (creating when asked) the named databases in one write transaction and commits it,
    /// so the handles are valid for every later transaction on any thread. Call once at start-up.
    ///
    /// In a read-only environment the databases must exist.
    /// - Throws: ``LMDBError`` `.notFound` for a missing database without `.create`,
    ///   `.databasesFull` past ``Configuration/maxDatabases``.
    @available(*, noasync, message: "LMDB transactions are thread-bound; call from a thread of your own")
    public func openDatabases(_ specifications: [Database.Specification]) throws(LMDBError) -> [Database] {
        let readOnly = options.contains(.readOnly)
        let txn = try begin(readOnly: readOnly)
        defer { pthread_rwlock_unlock(resizeLock) }
        var result: [Database] = []
        for spec in specifications {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, spec.name, readOnly ? 0 : spec.options.rawValue, &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                throw LMDBError(code: .init(rawValue: rc), operation: "mdb_dbi_open(\(spec.name))", path: path)
            }
            result.append(Database(dbi: dbi, name: spec.name))
        }
        // Committing (a read-only transaction too) makes the handles valid for every later transaction.
        try check(mdb_txn_commit(txn), "mdb_txn_commit(open databases)", path: path)
        return result
    }

    /// Runs `body` in a read-only transaction, then ends it.
    ///
    /// Readers never block writers and see the last commit made before they began.
    /// - Throws: what `body` throws, or ``LMDBError`` `.readersFull` when every reader slot is taken.
    /// - Important: Do not call ``write(_:)`` or ``read(_:)`` from inside `body`.
    @available(*, noasync, message: "LMDB transactions are thread-bound; call from a thread of your own")
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        let txn = try begin(readOnly: true)
        defer {
            mdb_txn_abort(txn)
            pthread_rwlock_unlock(resizeLock)
        }
        return try body(ReadTransaction(handle: txn, path: path))
    }

    /// A directory with the setgid bit is shared with its group (`dossier init --group`): files
    /// created in it take its group, and here the data file is made readable by the group
    /// (0640) and the lock file writable by it (0660), since LMDB's readers record themselves in
    /// the lock file. Only the owner can change them; anyone else leaves them as they are.
    private static func shareWithGroupIfSetgid(_ directory: String) {
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_ISGID != 0 else { return }
        for (name, mode) in [("data.mdb", 0o640), ("lock.mdb", 0o660)] {
            var file = stat()
            let path = directory + "/" + name
            guard stat(path, &file) == 0, file.st_uid == geteuid(), file.st_mode & 0o777 != mode_t(mode) else { continue }
            chmod(path, mode_t(mode))
        }
    }

    /// Begins a transaction holding the resize lock shared; adopts a map that another process
    /// grew (`MDB_MAP_RESIZED`) and tries again. The caller ends the transaction, then unlocks.
    private func begin(readOnly: Bool) throws(LMDBError) -> OpaquePointer {
        while true {
            pthread_rwlock_rdlock(resizeLock)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
            if rc == 0, let txn { return txn }
            pthread_rwlock_unlock(resizeLock)
            guard rc == MDB_MAP_RESIZED else {
                throw LMDBError(code: .init(rawValue: rc), operation: readOnly ? "mdb_txn_begin(read)" : "mdb_txn_begin(write)", path: path)
            }
            try adoptMapSize()
        }
    }

    /// Runs `body` in a write transaction and commits it; when `body` throws, aborts it and rethrows.
    ///
    /// Writers are serialised across threads and processes by LMDB's lock. When the map is full
    /// (`MDB_MAP_FULL`, in `body` or at commit), the transaction is aborted, the map doubled and
    /// `body` run again from the start, so `body` must not have effects outside the transaction
    /// other than ones it can repeat. It returns once the commit is durable (unless
    /// ``Options/noSync`` is in force).
    ///
    /// - Throws: what `body` throws; ``LMDBError`` from begin or commit (`.noSpace` when the disk
    ///   is full: nothing of this transaction is stored).
    /// - Important: Do not call ``read(_:)`` or ``write(_:)`` from inside `body`.
    ///
    /// Related LMDB documentation: `mdb_txn_begin`, `mdb_txn_commit`, `MDB_MAP_FULL` (lmdb.h).
    @available(*, noasync, message: "LMDB transactions are thread-bound; call from a thread of your own")
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        while true {
            let txn = try begin(readOnly: false)
            let result: R
            do {
                result = try body(WriteTransaction(handle: txn, path: path))
            } catch LMDBError.Code.mapFull {
                mdb_txn_abort(txn)
                pthread_rwlock_unlock(resizeLock)
                try growMap()
                continue
            } catch {
                mdb_txn_abort(txn)
                pthread_rwlock_unlock(resizeLock)
                throw error
            }
            let rc = mdb_txn_commit(txn)  // frees the transaction whether it succeeds or not
            pthread_rwlock_unlock(resizeLock)
            if rc == MDB_MAP_FULL {
                try growMap()
                continue
            }
            try check(rc, "mdb_txn_commit", path: path)
            return result
        }
    }

    /// Doubles the map size. Called with no transaction of this process open.
    ///
    /// Related LMDB documentation: `mdb_env_set_mapsize` (lmdb.h).
    public func growMap() throws(LMDBError) {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        var info = MDB_envinfo()
        try check(mdb_env_info(handle, &info), "mdb_env_info", path: path)
        try check(mdb_env_set_mapsize(handle, info.me_mapsize * 2), "mdb_env_set_mapsize", path: path)
    }

    /// Makes the map at least `bytes` large (rounded up to a doubling of the current size), so
    /// that a large write known in advance does not run into `MDB_MAP_FULL` and start over.
    /// Called with no transaction of this process open.
    public func reserveMap(_ bytes: Int) throws(LMDBError) {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        var info = MDB_envinfo()
        try check(mdb_env_info(handle, &info), "mdb_env_info", path: path)
        var size = info.me_mapsize
        while size < bytes { size *= 2 }
        if size != info.me_mapsize {
            try check(mdb_env_set_mapsize(handle, size), "mdb_env_set_mapsize", path: path)
        }
    }

    /// Adopts the larger map size that another process set.
    private func adoptMapSize() throws(LMDBError) {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        try check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)", path: path)
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Turns fsync-on-commit off or on (`MDB_NOSYNC`), for a bulk load that syncs once with
    /// ``sync()`` at its end.
    /// - Warning: While off, a system crash can undo acknowledged commits (lmdb.h).
    public func setSyncAfterCommit(_ enabled: Bool) throws(LMDBError) {
        try check(mdb_env_set_flags(handle, UInt32(MDB_NOSYNC), enabled ? 0 : 1), "mdb_env_set_flags(MDB_NOSYNC)", path: path)
    }

    /// Flushes committed data to disk (`mdb_env_sync` with force).
    public func sync() throws(LMDBError) {
        try check(mdb_env_sync(handle, 1), "mdb_env_sync", path: path)
    }

    /// Writes a consistent copy of the environment into the existing, empty directory
    /// `directory` (`mdb_env_copy2`): a snapshot as of a read transaction, so writers go on
    /// meanwhile; with `compact`, free pages are left out and pages renumbered (`MDB_CP_COMPACT`).
    /// - Throws: ``LMDBError`` (`.noSuchFile` for a missing directory, `.exists` when it holds a
    ///   data file already).
    public func copy(to directory: String, compact: Bool = true) throws(LMDBError) {
        try check(mdb_env_copy2(handle, directory, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copy2", path: directory)
    }

    /// Clears reader slots left by processes that died (`mdb_reader_check`) and returns how many.
    /// Stale slots would otherwise keep old pages from being reused and the file would grow.
    public func clearStaleReaders() throws(LMDBError) -> Int {
        var dead: Int32 = 0
        try check(mdb_reader_check(handle, &dead), "mdb_reader_check", path: path)
        return Int(dead)
    }

    /// Size of a database page in bytes.
    public var pageSize: Int {
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return Int(stat.ms_psize)
    }

    /// Bytes of the map in use: the last page number used, plus one, times the page size.
    public var usedBytes: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return (info.me_last_pgno + 1) * pageSize
    }
}
