import DossierDomain
import DossierLog
import EventLogLMDB
import Foundation
import Hummingbird
import LedgerService
import Logging
import Projections
import ProvinceGenerator
import Views

/// `ledger-bench serve`: `dossier serve`'s appends and views under load, beside the same appends
/// through the library in one process, in one run. The load comes from wrk (Debian's `wrk`) on
/// loopback, for a bounded time per step: durable appends of one event per request from 1, 16, 64
/// and 256 connections; then the late list and the quarter's rates by unit. The store is LMDB
/// with the demo province's catalog; each event is a new dossier received at a commune.
func serviceBenchmark(_ options: Options) async throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw BenchError("wrk is not installed (apt-get install wrk)") }
    try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
    let store = try freshStore(options, "service")
    let ledger = DossierLedger(store: store)
    try await ledger.record(Province().entries)
    let desk = try await ledger.grantAccess(name: "bench desk", role: .desk, unit: "H19", expires: nil).secret
    let auditor = try await ledger.grantAccess(name: "bench auditor", role: .auditor, unit: "H19", expires: nil).secret
    var limits = LedgerService.Limits()
    (limits.perSecond, limits.burst) = (1e9, 1e9)
    let engine = try ProjectionEngine(storePath: options.directory + "/service", ledger: ledger)
    // Each request's log line is made as `dossier serve --log-format json` makes it, then dropped.
    let service = LedgerService(engine: engine, limits: limits,
                                requests: Logger(label: "bench", factory: { JSONLogHandler(label: $0, output: { _ in }) }))
    let (ports, announce) = AsyncStream.makeStream(of: Int.self)
    let app = try service.application(host: "127.0.0.1", port: 0, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })) { announce.yield($0) }
    let server = Task { try await app.run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw BenchError("the service did not start") }
    let script = options.directory + "/post.lua"
    try postScript.write(toFile: script, atomically: true, encoding: .utf8)

    print("durable appends, one event per request or call (10 s each)     over HTTP (wrk; CPU a request: server + wrk)              in process (DossierLedger.append)")
    var offset = 0
    for clients in [1, 16, 64, 256] {
        let http = try wrk(["-t", "\(min(2, clients))", "-c", "\(clients)", "-d", "10s", "--latency", "-s", script, "http://127.0.0.1:\(port)/v1/events",
                            "--", desk, "\(offset)"])
        offset += 30_000_000
        let local = try await inProcess(ledger, clients: clients, from: offset)
        offset += 30_000_000
        print("  \(clients) clients".padding(toLength: 64, withPad: " ", startingAt: 0) + http.padding(toLength: 58, withPad: " ", startingAt: 0) + local)
    }
    // What the HTTP stack alone takes on this machine, wrk beside it: the ceiling of any route.
    let bare = try wrk(["-t", "2", "-c", "64", "-d", "5s", "--latency", "http://127.0.0.1:\(port)/healthz"])
    print("  GET /healthz (no store, no token), 64 connections".padding(toLength: 64, withPad: " ", startingAt: 0) + bare)
    // The projections catch up with the appends above once, before the views are timed.
    _ = try await Inspector.open(engine)
    for (name, path) in [("late list (whole province)", "/v1/reports/late"), ("on-time rates 2025-Q1 by unit", "/v1/reports/rates?period=2025-Q1")] {
        let answer = try wrk(["-t", "2", "-c", "16", "-d", "5s", "--latency", "-H", "Authorization: Bearer \(auditor)", "http://127.0.0.1:\(port)\(path)"])
        print("  \(name), 16 connections".padding(toLength: 64, withPad: " ", startingAt: 0) + answer)
    }
    server.cancel()
    _ = await server.result
}

/// The same appends through the library: `clients` tasks, each appending one new dossier's
/// receipt after another for 10 s; events per second and p50/p99 latency.
private func inProcess(_ ledger: DossierLedger, clients: Int, from offset: Int) async throws -> String {
    let end = ContinuousClock.now + .seconds(10)
    let before = cpu(RUSAGE_SELF.rawValue)
    let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for client in 0..<clients {
            group.addTask {
                var mine: [Duration] = []
                var n = 0
                while ContinuousClock.now < end {
                    let event = try DossierEvent.parse(benchEvent(offset + client * 100_000 + n)).event  // 256 clients: 25.6 million apart at most
                    let start = ContinuousClock.now
                    _ = try await ledger.append(batch: [event])
                    mine.append(ContinuousClock.now - start)
                    n += 1
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }.sorted()
    }
    func ms(_ q: Double) -> String { String(format: "%.2f ms", seconds(latencies[Int(Double(latencies.count - 1) * q)]) * 1e3) }
    let perEvent = (cpu(RUSAGE_SELF.rawValue) - before) / Double(latencies.count) * 1e6
    return "\(Int(Double(latencies.count) / 10).formatted())/s, p50 \(ms(0.5)), p99 \(ms(0.99)); CPU \(Int(perEvent)) µs"
}

/// Event `n` (below 330 million): a new dossier received at commune H19.X07, its code and id
/// unique: 9,999 numbers a day, 336 days (28 a month), then the next agency number.
func benchEvent(_ n: Int) -> String {
    let day = n / 9_999 % 336, number = n % 9_999 + 1, agency = n / (9_999 * 336)
    let code = String(format: "000.00.%02d.H19-25%02d%02d-%04d", agency, 1 + day / 28, 1 + day % 28, number)
    return #"{"id":"b-\#(n)","dossier":"\#(code)","type":"received","at":"2026-11-20T08:00:00+07:00","actor":"cb.x07.1","unit":"H19.X07","procedure":"1.001193","channel":"direct"}"#
}

/// wrk's requests per second and p50/p99 latency (and any answers that were not 2xx).
/// CPU seconds (user and system) of this process (`RUSAGE_SELF`) or of its waited-for children.
private func cpu(_ who: Int32) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// With the CPU time each request cost the server (this process) and wrk, from getrusage: on a
/// machine they share, their sum bounds the rate (two cores at 100 µs a request: 20,000/s).
private func wrk(_ arguments: [String]) throws -> String {
    let (server, client) = (cpu(RUSAGE_SELF.rawValue), cpu(RUSAGE_CHILDREN.rawValue))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    process.arguments = arguments
    let out = Pipe()
    (process.standardOutput, process.standardError) = (out, out)
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    func value(_ pattern: String) -> String { text.firstMatch(of: try! Regex(pattern)).map { String($0.output[1].substring ?? "?") } ?? "?" }
    guard text.contains("Requests/sec") else { throw BenchError("wrk failed: \(text)") }
    let rate = Double(value(#"Requests/sec:\s+([0-9.]+)"#)).map { Int($0).formatted() } ?? "?"
    let failed = text.contains("Non-2xx") ? ", " + value(#"Non-2xx or 3xx responses: (\d+)"#) + " not 2xx" : ""
    let requests = Double(value(#"(\d+) requests in"#)) ?? .nan
    let perRequest = String(format: "; CPU %.0f + %.0f µs", (cpu(RUSAGE_SELF.rawValue) - server) / requests * 1e6, (cpu(RUSAGE_CHILDREN.rawValue) - client) / requests * 1e6)
    return "\(rate)/s, p50 \(value(#"\n\s+50%\s+(\S+)"#)), p99 \(value(#"\n\s+99%\s+(\S+)"#))\(failed)\(perRequest)"
}

/// wrk's script: each request a new dossier's receipt, unique across threads and runs
/// (arguments: the desk's token, the run's first number). No `response` function: with one, wrk
/// parses every answer in Lua and takes a core's worth of the machine from the server; refusals
/// show as wrk's count of answers that were not 2xx.
private let postScript = #"""
local counter = 0
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end
function init(args)
  token = args[1]
  base = tonumber(args[2]) + index * 10000000
end
function request()
  local n = base + counter
  counter = counter + 1
  local day = math.floor(n / 9999) % 336
  local code = string.format("000.00.%02d.H19-25%02d%02d-%04d", math.floor(n / (9999 * 336)), 1 + math.floor(day / 28), 1 + day % 28, n % 9999 + 1)
  local body = '{"id":"w-' .. n .. '","dossier":"' .. code .. '","type":"received","at":"2026-11-20T08:00:00+07:00","actor":"cb.x07.1","unit":"H19.X07","procedure":"1.001193","channel":"direct"}'
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""#
