internal import CLMDB

/// The kind of a ``Transaction``: read-only or read-write, fixed at compile time.
public protocol TransactionAccess {}
/// Marks a ``ReadTransaction``.
public enum ReadOnlyAccess: TransactionAccess, Sendable {}
/// Marks a ``WriteTransaction``.
public enum ReadWriteAccess: TransactionAccess, Sendable {}

/// A read-only transaction: a consistent snapshot of the environment.
public typealias ReadTransaction = Transaction<ReadOnlyAccess>
/// A read-write transaction; also reads, and sees its own writes.
public typealias WriteTransaction = Transaction<ReadWriteAccess>

/// An LMDB transaction, lent to a closure by ``Environment/read(_:)`` or ``Environment/write(_:)``.
///
/// It is non-copyable and only ever borrowed, so the compiler refuses to store it outside its
/// closure, to capture it in a `@Sendable` closure, or to use it across an `await`. The
/// environment owns begin, commit and abort.
///
/// Values handed to closures (`UnsafeRawBufferPointer`) point into the memory map and are valid
/// only inside that closure and only until the next write in the same transaction: decode or copy.
public struct Transaction<Access: TransactionAccess>: ~Copyable {
    let handle: OpaquePointer
    let path: String
}

@available(*, unavailable, message: "an LMDB transaction is bound to its thread and closure")
extension Transaction: Sendable {}

/// How ``Transaction/put(_:forKey:in:options:)`` stores a value.
public struct PutOptions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Fail with `.keyExists` instead of overwriting (`MDB_NOOVERWRITE`).
    public static let noOverwrite = PutOptions(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key is greater than every key in the database: store it at the end without a search
    /// (`MDB_APPEND`); fails with `.keyExists` when it is not.
    public static let append = PutOptions(rawValue: UInt32(MDB_APPEND))
    /// In a ``Database/Options/duplicateSort`` database: the value is greater than every value
    /// of its key, which is the last key (`MDB_APPENDDUP`).
    public static let appendDuplicate = PutOptions(rawValue: UInt32(MDB_APPENDDUP))
    /// In a ``Database/Options/duplicateSort`` database: fail with `.keyExists` when this exact
    /// key and value pair exists (`MDB_NODUPDATA`).
    public static let noDuplicateData = PutOptions(rawValue: UInt32(MDB_NODUPDATA))
}

extension Transaction {
    /// Calls `body` with the value stored for `key`, or returns `nil` when there is none.
    ///
    /// - Throws: what `body` throws; ``LMDBError`` for any failure other than a missing key.
    /// Related LMDB documentation: `mdb_get` (lmdb.h).
    public func withValue<R>(forKey key: UnsafeRawBufferPointer, in db: Database,
                             _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db.name))", path: path)
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// A copy of the value stored for `key`, or `nil`.
    public func value(forKey key: [UInt8], in db: Database) throws -> [UInt8]? {
        try key.withUnsafeBytes { k in try withValue(forKey: k, in: db) { Array($0) } }
    }

    /// Opens a cursor on `db` for the duration of `body`.
    /// Related LMDB documentation: `mdb_cursor_open`, `mdb_cursor_close` (lmdb.h).
    public func withCursor<R>(on db: Database, _ body: (borrowing Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &cursor), "mdb_cursor_open(\(db.name))", path: path)
        guard let cursor else { preconditionFailure("mdb_cursor_open succeeded without a cursor") }
        defer { mdb_cursor_close(cursor) }
        return try body(Cursor(handle: cursor, path: path, database: db.name))
    }

    /// Statistics of `db` as this transaction sees it (`mdb_stat`).
    public func statistics(of db: Database) throws(LMDBError) -> DatabaseStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat(\(db.name))", path: path)
        return DatabaseStatistics(stat)
    }
}

extension Transaction where Access == ReadWriteAccess {
    /// Stores `value` for `key`.
    ///
    /// - Throws: ``LMDBError`` `.keyExists` with `.noOverwrite` when the key exists, or with
    ///   `.append` when the key is not greater than the last; `.mapFull` (the environment grows
    ///   the map and runs the transaction again).
    /// Related LMDB documentation: `mdb_put`, `MDB_APPEND`, `MDB_NOOVERWRITE` (lmdb.h).
    public func put(_ value: UnsafeRawBufferPointer, forKey key: UnsafeRawBufferPointer, in db: Database,
                    options: PutOptions = []) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(handle, db.dbi, &k, &v, options.rawValue), "mdb_put(\(db.name))", path: path)
    }

    /// Stores `value` for `key` (array form of ``put(_:forKey:in:options:)``).
    public func put(_ value: [UInt8], forKey key: [UInt8], in db: Database, options: PutOptions = []) throws {
        try value.withUnsafeBytes { v in
            try key.withUnsafeBytes { k in try put(v, forKey: k, in: db, options: options) }
        }
    }

    /// Removes `key` and its value(s); returns whether it was there.
    /// Related LMDB documentation: `mdb_del` (lmdb.h).
    @discardableResult
    public func delete(forKey key: UnsafeRawBufferPointer, in db: Database) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(handle, db.dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del(\(db.name))", path: path)
        return true
    }

    /// Removes every entry of `db` (the database itself stays).
    /// Related LMDB documentation: `mdb_drop` with `del` 0 (lmdb.h).
    public func empty(_ db: Database) throws(LMDBError) {
        try check(mdb_drop(handle, db.dbi, 0), "mdb_drop(\(db.name))", path: path)
    }

    /// Reserves `count` bytes for `key` inside the map and lets `fill` write the value in place,
    /// saving a copy on hot paths (`MDB_RESERVE`). `fill` must write every byte.
    ///
    /// - Throws: as ``put(_:forKey:in:options:)``.
    public func put(reserving count: Int, forKey key: UnsafeRawBufferPointer, in db: Database,
                    options: PutOptions = [], fill: (UnsafeMutableRawBufferPointer) -> Void) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        try check(mdb_put(handle, db.dbi, &k, &v, options.rawValue | UInt32(MDB_RESERVE)), "mdb_put(\(db.name), reserve)", path: path)
        fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
    }
}
