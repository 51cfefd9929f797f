// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "DossierLedger",
    products: [
        .library(name: "LedgerLMDB", targets: ["LedgerLMDB"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "EventLogLMDB", targets: ["EventLogLMDB"]),
        .library(name: "EventLogMemory", targets: ["EventLogMemory"]),
        .library(name: "DossierDomain", targets: ["DossierDomain"]),
        .library(name: "DossierLog", targets: ["DossierLog"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "Views", targets: ["Views"]),
        .library(name: "ReportFormats", targets: ["ReportFormats"]),
        .library(name: "DossierCLI", targets: ["DossierCLI"]),
        .executable(name: "dossier", targets: ["dossier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The system C library, nothing more: a module map and one shim header.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // A safe Swift layer over LMDB: the only module that imports CLMDB.
        .target(name: "LedgerLMDB", dependencies: ["CLMDB"]),
        // The storage-agnostic event store API, the stored-record codec and the hash chain.
        .target(
            name: "EventLog",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The event store on LMDB.
        .target(name: "EventLogLMDB", dependencies: ["EventLog", "LedgerLMDB"]),
        // The event store on PostgreSQL: one log shared by several processes and hosts.
        .target(name: "EventLogPostgres", dependencies: [
                    "EventLog", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                ],
                resources: [.copy("Migrations")]),
        // The event store in memory: for tests of the layers above the store.
        .target(name: "EventLogMemory", dependencies: ["EventLog"]),
        // The dossier domain: events, catalogs, calendar, deadlines, the fold. Pure: imports nothing of ours.
        .target(name: "DossierDomain"),
        // The dossier log: the domain on an event store. Catalogs in the log, validated import, export, replicas.
        .target(name: "DossierLog", dependencies: ["DossierDomain", "EventLog", .product(name: "Crypto", package: "swift-crypto")]),
        // Projections: folds of the log kept in their own LMDB environments, caught up and rebuilt.
        .target(name: "Projections", dependencies: ["DossierDomain", "DossierLog", "EventLog", "LedgerLMDB"]),
        // The inspectors' views (indicators.md) over the projections, as reports any interface can format.
        .target(name: "Views", dependencies: ["DossierDomain", "DossierLog", "EventLog", "Projections"]),
        // The views as people read them (tables, workbooks, in Vietnamese and English) and as
        // machines do (JSON, CSV): one formatting for the command line and the service.
        .target(
            name: "ReportFormats",
            dependencies: ["DossierDomain", "EventLog", "Projections", "Views", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // `dossier serve`: the ledger over HTTP (Hummingbird 2): desks append, inspectors read, each
        // with a token of the log and the role it grants.
        .target(
            name: "LedgerService",
            dependencies: ["DossierDomain", "DossierLog", "EventLog", "Projections", "ReportFormats", "Views",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            resources: [.copy("Resources/openapi.json")]
        ),
        // The inspectors' dashboard: HTML pages served by the service beside its API.
        .target(
            name: "LedgerDashboard",
            dependencies: ["LedgerService", "DossierDomain", "DossierLog", "EventLog", "Projections", "ReportFormats", "Views",
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // The `dossier` command-line tool: commands in a library so that they are tested, and its executable.
        .target(
            name: "DossierCLI",
            dependencies: [
                "DossierDomain", "DossierLog", "EventLog", "EventLogLMDB", "EventLogPostgres", "LedgerService", "LedgerDashboard", "Projections", "ReportFormats", "Views",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["GitRevision"]
        ),
        .executableTarget(name: "dossier", dependencies: ["DossierCLI"]),
        .plugin(name: "GitRevision", capability: .buildTool()),
        // Helpers shared by the test targets: temporary directories, child processes.
        .target(name: "LedgerTesting", dependencies: ["EventLog", "LedgerClusters"]),
        // Throwaway PostgreSQL clusters (and synchronous standbys) for the tests and the benchmark.
        .target(name: "LedgerClusters"),

        .testTarget(
            name: "LedgerLMDBTests",
            dependencies: [
                "LedgerLMDB", "LedgerTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "EventLog", "LedgerTesting", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DossierDomainTests",
            dependencies: ["DossierDomain", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "DossierLogTests",
            dependencies: ["DossierLog", "EventLogLMDB", "EventLogMemory", "LedgerTesting"]
        ),
        .testTarget(
            name: "EventLogLMDBTests",
            dependencies: [
                "EventLogLMDB", "LedgerLMDB", "LedgerTesting", "LedgerTestHelper",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // One suite of the store's behaviour, run on every backend.
        .testTarget(
            name: "EventStoreConformanceTests",
            dependencies: [
                "EventLog", "EventLogMemory", "EventLogLMDB", "EventLogPostgres", "LedgerLMDB", "LedgerTesting", "LedgerTestHelper",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: [
                "Projections", "Views", "ProvinceGenerator", "EventLogLMDB", "LedgerTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DossierCLITests",
            dependencies: ["dossier", "DossierCLI", "DossierDomain", "EventLog", "LedgerTestHelper", "ProvinceGenerator", "EventLogLMDB", "LedgerTesting", "ReportFormats"],
            exclude: ["Golden"]
        ),
        // The store's benchmark and the interim demo (`make bench`, `make demo`).
        .executableTarget(
            name: "ledger-bench",
            dependencies: ["EventLogLMDB", "EventLogPostgres", "LedgerClusters", "DossierLog", "Projections", "Views", "ProvinceGenerator", "LedgerService", "LedgerDashboard",
                           .product(name: "Logging", package: "swift-log"), .product(name: "Hummingbird", package: "hummingbird")],
            path: "tools/benchmarks/Sources/ledger-bench"
        ),
        .testTarget(
            name: "LedgerServiceTests",
            dependencies: ["LedgerService", "LedgerDashboard", "DossierDomain", "DossierLog", "EventLog", "EventLogLMDB", "EventLogPostgres", "LedgerTesting", "Projections", "ProvinceGenerator",
                           "ReportFormats", "Views",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")]
        ),
        // The demo province: catalogs and a deterministic, realistic stream of dossier events.
        .target(name: "ProvinceGenerator", dependencies: ["DossierDomain"], path: "tools/generator/Sources/ProvinceGenerator"),
        .executableTarget(name: "province-generator", dependencies: ["ProvinceGenerator"], path: "tools/generator/Sources/province-generator"),
        // A child process for crash and multi-process tests (appends and prints what was acknowledged).
        .executableTarget(
            name: "LedgerTestHelper",
            dependencies: ["EventLogLMDB", "EventLogPostgres"],
            path: "Tests/LedgerTestHelper"
        ),
    ]
)

// One settings loop for every Swift target (swift-log's habit): upcoming features and explicit Sendable.
for target in package.targets where target.type != .system && target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
        .unsafeFlags(["-Xfrontend", "-require-explicit-sendable"]),
    ])
    target.swiftSettings = settings
}
