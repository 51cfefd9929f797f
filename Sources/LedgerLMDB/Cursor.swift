internal import CLMDB

/// A position in one database, lent to a closure by ``Transaction/withCursor(on:_:)``.
///
/// ```swift
/// try txn.withCursor(on: log) { cursor in
///     var found = try cursor.move(to: .atLeast(start)) { key, value in decode(value) }
///     while let entry = found { …; found = try cursor.move(to: .next) { key, value in decode(value) } }
/// }
/// ```
///
/// Related LMDB documentation: `mdb_cursor_get`, `MDB_cursor_op` (lmdb.h).
public struct Cursor: ~Copyable {
    let handle: OpaquePointer
    let path: String
    let database: String

    /// Where to move.
    public enum Position: Sendable {
        case first, last, next
        /// The next value of the current key in a ``Database/Options/duplicateSort`` database (`MDB_NEXT_DUP`).
        case nextDuplicate
        /// The first key greater than or equal to the given bytes (`MDB_SET_RANGE`).
        case atLeast([UInt8])
        /// Exactly the given key (`MDB_SET_KEY`).
        case exactly([UInt8])
    }

    /// Moves the cursor and calls `body` with the key and value there; returns `nil` when there
    /// is no such entry (past either end, or no such key).
    ///
    /// The buffers are valid only inside `body`.
    /// - Throws: what `body` throws; ``LMDBError`` for any failure other than "not found".
    public func move<R>(to position: Position,
                        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var k = MDB_val()
        var v = MDB_val()
        let rc: Int32
        switch position {
        case .first: rc = mdb_cursor_get(handle, &k, &v, MDB_FIRST)
        case .last: rc = mdb_cursor_get(handle, &k, &v, MDB_LAST)
        case .next: rc = mdb_cursor_get(handle, &k, &v, MDB_NEXT)
        case .nextDuplicate: rc = mdb_cursor_get(handle, &k, &v, MDB_NEXT_DUP)
        case .atLeast(let key), .exactly(let key):
            let op = if case .atLeast = position { MDB_SET_RANGE } else { MDB_SET_KEY }
            rc = key.withUnsafeBytes { bytes in
                k = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return mdb_cursor_get(handle, &k, &v, op)
            }
        }
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get(\(database))", path: path)
        return try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                        UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }
}

extension Cursor {
    /// Stores `value` for `key` through the cursor, which then points at it. For many puts in
    /// key order this is faster than ``Transaction/put(_:forKey:in:options:)``: LMDB looks for
    /// the key on the cursor's current page before searching from the root.
    ///
    /// Only in a write transaction (in a read-only one LMDB refuses with `EACCES`).
    /// - Throws: as ``Transaction/put(_:forKey:in:options:)``.
    /// Related LMDB documentation: `mdb_cursor_put` (lmdb.h).
    public func put(_ value: UnsafeRawBufferPointer, forKey key: UnsafeRawBufferPointer, options: PutOptions = []) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(handle, &k, &v, options.rawValue), "mdb_cursor_put(\(database))", path: path)
    }
}

@available(*, unavailable, message: "an LMDB cursor is bound to its transaction")
extension Cursor: Sendable {}
