import EventLog
import EventLogPostgres
import Foundation
import LedgerTesting
import Testing

/// What only the PostgreSQL store has: its URL, its migrations.
@Suite(.enabled(if: PostgresCluster.runs(for: "the PostgreSQL store's tests"), "PostgreSQL is not installed (apt-get install postgresql)"))
struct PostgresStoreTests {
    @Test("the migrations are applied once, in order, and recorded; opening the store again applies none")
    func migrations() async throws {
        let url = try PostgresCluster.shared.get().createDatabase()
        let first = try await PostgresEventStore.open(try PostgresLocation(url: url))
        let applied = try await first.appliedMigrations()
        #expect(applied.map(\.0) == [1, 2, 3])
        #expect(applied.map(\.1) == ["001-log.sql", "002-settings.sql", "003-tree-in-rows.sql"])
        _ = try await first.append([try ProposedEvent(id: EventID("m1"), type: "t", payload: [1])], to: StreamID("s"))
        let again = try await PostgresEventStore.open(try PostgresLocation(url: url))
        #expect(try await again.appliedMigrations().map(\.0) == [1, 2, 3])
        #expect(try await again.head()?.position == GlobalPosition(1))
    }

    @Test("a store made before migration 3 (its tree in a table of its own) keeps every tree hash, its roots and its chain")
    func treeMovesIntoRows() async throws {
        let cluster = try PostgresCluster.shared.get()
        // Today's store, grown by appends of one to five events.
        let clock: @Sendable () -> RecordedTime = { RecordedTime(rawValue: 1_764_000_000_000_000) }
        let current = try await PostgresEventStore.open(try PostgresLocation(url: try cluster.createDatabase()), clock: clock)
        var n = 0
        for size in [1, 3, 5, 2, 4, 1, 5, 3, 2, 4, 5, 1, 2] {
            _ = try await current.append(try (0..<size).map { _ in n += 1; return try ProposedEvent(id: EventID("t\(n)"), type: "t", payload: [UInt8(n)]) },
                                         to: StreamID("s\(n % 4)"))
        }
        let stored = MerkleTree.storedCount(leaves: UInt64(n))
        let hashes = try await current.treeHashes(Array(0..<stored))

        // The same log in the schema of migrations 1 and 2, its tree in dossierledger_tree.
        let oldURL = try cluster.createDatabase()
        let old = try PostgresLocation(url: oldURL)
        func psql(_ database: String, _ sql: String) throws -> String {
            try cluster.run("psql", ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", cluster.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        }
        let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/EventLogPostgres/Migrations")
        for file in ["001-log.sql", "002-settings.sql"] { _ = try psql(old.database, try String(contentsOf: migrations.appendingPathComponent(file), encoding: .utf8)) }
        _ = try psql(old.database, """
            CREATE TABLE dossierledger_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now());
            INSERT INTO dossierledger_migrations (version, name) VALUES (1, '001-log.sql'), (2, '002-settings.sql')
            """)
        let rows = try psql(current.location.database,
                            "SELECT format('(%s, %L, %L, %s, %s, %L)', seq, id, stream, version, recorded, record) FROM dossierledger_events ORDER BY seq")
        _ = try psql(old.database, "INSERT INTO dossierledger_events VALUES " + rows.split(separator: "\n").joined(separator: ", "))
        _ = try psql(old.database, "INSERT INTO dossierledger_tree VALUES " + hashes.enumerated().map { "(\($0.offset), '\\x\($0.element)')" }.joined(separator: ", "))

        let migrated = try await PostgresEventStore.open(old, clock: clock)
        #expect(try await migrated.appliedMigrations().map(\.0) == [1, 2, 3])
        #expect(try await migrated.treeHashes(Array(0..<stored)) == hashes)
        #expect(try await migrated.verify(nil, progress: { _ in }).failure == nil)
        // And it grows on: the next append's hashes follow the moved ones.
        _ = try await migrated.append([try ProposedEvent(id: EventID("next"), type: "t", payload: [0])], to: StreamID("s0"))
        _ = try await current.append([try ProposedEvent(id: EventID("next"), type: "t", payload: [0])], to: StreamID("s0"))
        let grown = MerkleTree.storedCount(leaves: UInt64(n + 1))
        #expect(try await migrated.treeHashes(Array(0..<grown)) == (try await current.treeHashes(Array(0..<grown))))
    }

    @Test("a caught-up subscription is woken by a commit of another client (LISTEN/NOTIFY), not by its poll interval")
    func subscriptionsWake() async throws {
        let url = try PostgresCluster.shared.get().createDatabase()
        let reader = try await PostgresEventStore.open(try PostgresLocation(url: url))
        let writer = try await PostgresEventStore.open(try PostgresLocation(url: url))  // its own pool, as another process has
        _ = try await writer.append([try ProposedEvent(id: EventID("w0"), type: "t", payload: [0])], to: StreamID("s"))
        let start = ContinuousClock.now
        let received = Task {
            var seen: [String] = []
            // An hour between polls: only a notification brings the later events in time.
            for try await event in reader.subscribe(from: .first, pollInterval: .seconds(3600)) {
                seen.append(event.id.value)
                if seen.count == 4 { break }
            }
            return seen
        }
        for n in 1...3 {
            try await Task.sleep(for: .milliseconds(300))
            _ = try await writer.append([try ProposedEvent(id: EventID("w\(n)"), type: "t", payload: [UInt8(n)])], to: StreamID("s"))
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(30))
            received.cancel()
        }
        let seen = try await received.value
        timeout.cancel()
        #expect(seen == ["w0", "w1", "w2", "w3"])
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("a URL names its hosts in order, keeps its password out of its description, and a bad one is named")
    func urls() throws {
        let location = try PostgresLocation(url: "postgres://ledger:s3cret@db1:6432,db2/province?sslmode=require", environment: [:])
        #expect(location.endpoints.map(\.description) == ["db1:6432", "db2:5432"])
        #expect(location.password == "s3cret" && location.database == "province" && location.sslMode == "require")
        #expect(location.description == "postgres://ledger@db1:6432,db2:5432/province")
        #expect(try PostgresLocation(url: "postgresql://ledger@db/p", environment: ["PGPASSWORD": "x"]).password == "x")
        for (url, problem) in [("postgres://db/p", "names no user"), ("postgres://ledger@db", "names no database"),
                               ("postgres://ledger@db:99999/p", "bad port"), ("postgres://ledger@db/p?sslmode=maybe", "sslmode=maybe"),
                               ("postgres://ledger@db/p?pool=3", "unknown parameter pool"), ("postgres://ledger:pw@/p", "names no host")] {
            let error = #expect(throws: EventStoreError.self, "\(url)") { try PostgresLocation(url: url, environment: [:]) }
            #expect(error?.message.contains(problem) == true, "\(url): \(String(describing: error?.message))")
            #expect(error?.message.contains("pw") == false)
        }
    }
}
