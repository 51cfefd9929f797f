import EventLog
import EventLogPostgres
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
        #expect(applied.map(\.0) == [1, 2])
        #expect(applied.map(\.1) == ["001-log.sql", "002-settings.sql"])
        _ = try await first.append([try ProposedEvent(id: EventID("m1"), type: "t", payload: [1])], to: StreamID("s"))
        let again = try await PostgresEventStore.open(try PostgresLocation(url: url))
        #expect(try await again.appliedMigrations().map(\.0) == [1, 2])
        #expect(try await again.head()?.position == GlobalPosition(1))
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
