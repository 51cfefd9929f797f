import DossierDomain
import DossierLog
import EventLogLMDB
import Foundation
import Hummingbird
import LedgerDashboard
import LedgerService
import Logging
import Projections
import Views

/// `ledger-bench pages --store DIR`: the dashboard's server time per page on a store (the demo
/// province of `make demo`, or of 10 million events), as its `Server-Timing` header says, with
/// curl as the browser on loopback: every page kind, overview and units over a quarter, a year,
/// a month cut on the 15th, lists, accountability and its links down to dossiers, a dossier,
/// a CSV. Each page `--runs` times (5 by default); p50 and max per page, p95 over all.
func pagesBenchmark(_ options: Options) async throws {
    let path = options.directory
    guard FileManager.default.fileExists(atPath: path + "/data.mdb") else { throw BenchError("no store at \(path): give --store (e.g. .build/demo/store)") }
    let ledger = DossierLedger(store: try LMDBEventStore(path: path))
    let engine = try ProjectionEngine(storePath: path, ledger: ledger)
    let (auditor, grant) = try await ledger.grantAccess(name: "ledger-bench pages", role: .auditor, unit: "H19", expires: nil)
    var start = ContinuousClock.now
    let inspector = try await Inspector.open(engine)
    print("projections caught up in \(String(format: "%.1f", seconds(ContinuousClock.now - start))) s")
    // What the links point at: the latest-finished late dossier, the officer with the most faults in the quarter.
    guard let instant = try await inspector.dossiers.latestAt() else { throw BenchError("the store has no dossier") }
    let (year, month, _) = instant.localDate.components
    let quarter = "\(year)-Q\((month - 1) / 3 + 1)", previousMonth = month == 1 ? "\(year - 1)-12" : "\(year)-" + String(format: "%02d", month - 1)
    let dossier = try await inspector.lateList(filter: LateFilter(includeFinished: true)).rows.first?.dossier ?? ""
    let officer = try await inspector.accountability(period: try Period.parse(quarter), by: .officer, listingDossiers: false).rows.first?.officer ?? ""
    let unit = inspector.rules.catalog.units.keys.sorted().first { $0.split(separator: ".").count == 2 } ?? "H19"
    let commune = inspector.rules.catalog.units.keys.sorted().last { $0.split(separator: ".").count == 2 } ?? "H19"

    // The scorecard's targets: the province's on-time rate, a commune's, and no complaints.
    let targets = [Target(name: "Tỷ lệ đúng hạn toàn tỉnh", indicator: .onTimeRate, comparison: .atLeast, threshold: 95),
                   Target(name: "Xã đúng hạn", indicator: .onTimeRate, unit: commune, comparison: .atLeast, threshold: 90),
                   Target(name: "Không có phản ánh", indicator: .complaints, comparison: .atMost, threshold: 0)]
    let service = LedgerService(engine: engine, requests: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), targets: targets, pages: Dashboard())
    let (ports, announce) = AsyncStream.makeStream(of: Int.self)
    let app = try service.application(host: "127.0.0.1", port: 0, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })) { announce.yield($0) }
    let server = Task { try await app.run() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw BenchError("the service did not start") }
    let base = "http://127.0.0.1:\(port)"
    let signIn = try curl(["-X", "POST", "--data-urlencode", "token=\(auditor)", "-H", "Origin: \(base)", base + "/dashboard/sign-in"])
    guard let cookie = signIn.headers["set-cookie"]?.split(separator: ";").first.map(String.init) else { throw BenchError("sign-in gave no session cookie") }

    let pages: [(String, String)] = [
        ("overview, this quarter", "/dashboard"),
        ("overview, a quarter", "/dashboard?period=\(year)-Q3"),
        ("overview, a year", "/dashboard?period=\(year - 1)"),
        ("overview, a month cut on the 15th", "/dashboard?period=\(previousMonth)&cut_off_15th=true"),
        ("a district", "/dashboard/units/\(unit)"),
        ("a commune, a year", "/dashboard/units/\(commune)?period=\(year - 1)"),
        ("late list", "/dashboard/late"),
        ("late list of a district, page 2", "/dashboard/late?unit=\(unit)&page=2"),
        ("due-soon list", "/dashboard/due-soon"),
        ("accountability by officer", "/dashboard/accountability"),
        ("accountability by unit, a year", "/dashboard/accountability?by=unit&period=\(year - 1)"),
        ("reward list", "/dashboard/accountability?rewards=true"),
        ("an officer's late steps (a count's link)", "/dashboard/accountability/dossiers?row=\(officer)&count=steps_late"),
        ("an officer's dossiers in a year", "/dashboard/accountability/dossiers?row=\(officer)&period=\(year - 1)"),
        ("scorecard, this quarter", "/dashboard/scorecard"),
        ("a dossier", "/dashboard/dossiers/\(dossier)"),
    ]
    print("dashboard pages, server time (Server-Timing), \(options.runs) requests each, one client on loopback:")
    var all: [Double] = []
    for (name, page) in pages {
        var times: [Double] = []
        for _ in 0..<options.runs {
            let answer = try curl(["-b", cookie, base + page])
            guard answer.status == 200, let timing = answer.headers["server-timing"], let value = timing.split(separator: "=").last.flatMap({ Double($0) }) else {
                throw BenchError("\(page): status \(answer.status)")
            }
            times.append(value)
        }
        times.sort()
        all += times
        print("  \(name)".padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "p50 %7.1f ms   max %7.1f ms", times[times.count / 2], times.last ?? 0))
    }
    all.sort()
    print(String(format: "  all pages: p95 %.1f ms, max %.1f ms over %d requests", all[Int(Double(all.count - 1) * 0.95)], all.last ?? 0, all.count))
    start = ContinuousClock.now
    _ = try curl(["-b", cookie, base + "/dashboard/late.csv"])
    print(String(format: "  late list CSV (one request, as the client saw it): %.1f ms", seconds(ContinuousClock.now - start) * 1000))
    _ = try await ledger.revokeAccess(token: grant.token)
}

/// One request with curl: its status and headers (names in lower case).
private func curl(_ arguments: [String]) throws -> (status: Int, headers: [String: String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "-o", "/dev/null", "-D", "-"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var status = 0, headers: [String: String] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\r\n") {
        if line.hasPrefix("HTTP/") { status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0; continue }
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return (status, headers)
}
