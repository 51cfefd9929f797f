internal import CLMDB

/// A named database inside an ``Environment`` (an LMDB `MDB_dbi`).
///
/// Open every database once, at start-up, with ``Environment/openDatabases(_:)``, before any
/// concurrent use. A handle stays valid as long as its environment is open; it is never closed
/// separately (`mdb_dbi_close` is not thread-safe and is never called).
public struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
    /// The database's name in the environment.
    public let name: String

    /// How a named database is created and compared.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Create the database when it does not exist (`MDB_CREATE`).
        public static let create = Options(rawValue: UInt32(MDB_CREATE))
        /// A key may hold several values, kept sorted (`MDB_DUPSORT`).
        public static let duplicateSort = Options(rawValue: UInt32(MDB_DUPSORT))
        /// With ``duplicateSort``: every value has the same size, stored compactly (`MDB_DUPFIXED`).
        public static let duplicateFixed = Options(rawValue: UInt32(MDB_DUPFIXED))
    }

    /// A request to open one named database.
    public struct Specification: Sendable, Hashable {
        public let name: String
        public let options: Options
        public init(_ name: String, options: Options = .create) {
            self.name = name
            self.options = options
        }
    }
}

/// Statistics of one database (`MDB_stat`).
public struct DatabaseStatistics: Sendable, Equatable {
    /// Size of a page in bytes.
    public let pageSize: Int
    /// Depth of the B-tree.
    public let depth: Int
    /// Branch, leaf and overflow pages in use.
    public let branchPages: Int
    public let leafPages: Int
    public let overflowPages: Int
    /// Number of entries.
    public let entries: Int

    /// Bytes held by the database's pages.
    public var bytes: Int { (branchPages + leafPages + overflowPages) * pageSize }

    init(_ stat: MDB_stat) {
        pageSize = Int(stat.ms_psize)
        depth = Int(stat.ms_depth)
        branchPages = Int(stat.ms_branch_pages)
        leafPages = Int(stat.ms_leaf_pages)
        overflowPages = Int(stat.ms_overflow_pages)
        entries = Int(stat.ms_entries)
    }
}
