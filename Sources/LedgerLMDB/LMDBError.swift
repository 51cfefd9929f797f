internal import CLMDB

/// An error returned by LMDB, with the operation that failed and the environment's path.
///
/// ```swift
/// do { try env.write { txn in try txn.put(db, key: k, value: v, options: .noOverwrite) } }
/// catch let error as LMDBError where error.code == .keyExists { … }
/// ```
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An LMDB return code (`MDB_*` in lmdb.h, or an `errno` value).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The key or data pair was not found (`MDB_NOTFOUND`).
        public static let notFound = Code(rawValue: MDB_NOTFOUND)
        /// The key already exists and overwriting was refused (`MDB_KEYEXIST`).
        public static let keyExists = Code(rawValue: MDB_KEYEXIST)
        /// The environment's map size is reached (`MDB_MAP_FULL`); the layer grows the map and retries.
        public static let mapFull = Code(rawValue: MDB_MAP_FULL)
        /// Another process grew the map beyond this process's size (`MDB_MAP_RESIZED`).
        public static let mapResized = Code(rawValue: MDB_MAP_RESIZED)
        /// The environment has reached its maximum number of readers (`MDB_READERS_FULL`).
        public static let readersFull = Code(rawValue: MDB_READERS_FULL)
        /// The environment has reached its maximum number of named databases (`MDB_DBS_FULL`).
        public static let databasesFull = Code(rawValue: MDB_DBS_FULL)
        /// A page has an invalid type or is otherwise damaged (`MDB_CORRUPTED`).
        public static let corrupted = Code(rawValue: MDB_CORRUPTED)
        /// The file is not an LMDB file (`MDB_INVALID`).
        public static let invalid = Code(rawValue: MDB_INVALID)
        /// The disk is full (`ENOSPC`).
        public static let noSpace = Code(rawValue: 28)
        /// `EIO`: an I/O error; LMDB also reports a write cut short (a full disk) this way.
        public static let ioError = Code(rawValue: 5)
        /// Permission denied (`EACCES`).
        public static let accessDenied = Code(rawValue: 13)
        /// No such file or directory (`ENOENT`).
        public static let noSuchFile = Code(rawValue: 2)
        /// The resource is busy, for example the environment is already open in this process (`EBUSY`).
        public static let busy = Code(rawValue: 16)

        /// LMDB's own words for the code (`mdb_strerror`).
        public var description: String { String(cString: mdb_strerror(rawValue)) }

        /// Matches an error against a code in `catch` and `switch` patterns (GRDB's habit):
        /// `catch LMDBError.Code.keyExists { … }`.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? LMDBError)?.code == code
        }
    }

    /// What LMDB returned.
    public let code: Code
    /// The LMDB call, and where useful the database it worked on, for example `mdb_put(log)`.
    public let operation: String
    /// The environment's directory or file.
    public let path: String

    public init(code: Code, operation: String, path: String) {
        self.code = code
        self.operation = operation
        self.path = path
    }

    public var description: String {
        "\(operation) failed on \(path): \(code.description) (code \(code.rawValue))"
    }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String, path: String) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: .init(rawValue: rc), operation: operation(), path: path) }
}
