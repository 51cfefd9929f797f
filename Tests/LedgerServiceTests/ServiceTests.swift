import DossierDomain
import DossierLog
import EventLog
import LedgerService
import Foundation
import LedgerTesting
import ReportFormats
import Testing
import Views
import Logging
import Synchronization

/// `dossier serve`'s service on a real loopback port, asked with a real HTTP client.
@Suite(.temporaryDirectory)
struct ServiceTests {
    /// A new dossier received at commune H19.X07 (its unit), as a desk's software sends it.
    static func received(_ id: String, dossier: String, unit: String = "H19.X07", procedure: String = "1.001193") -> String {
        #"{"id":"\#(id)","dossier":"\#(dossier)","type":"received","at":"2026-11-20T08:00:00+07:00","actor":"cb.x07.1","unit":"\#(unit)","procedure":"\#(procedure)","channel":"direct"}"#
    }

    @Test("health is open to anyone; every /v1 route refuses a missing, malformed, unknown, revoked or expired token with 401 and a problem")
    func authentication() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        #expect(try await service.request("GET", "/healthz").status == 200)
        #expect(try await service.request("GET", "/readyz").body == "ready\n")
        let (expired, _) = try await service.ledger.grantAccess(name: "old", role: .auditor, unit: "H19", expires: LocalDate(year: 2020, month: 1, day: 1))
        let (revoked, grant) = try await service.ledger.grantAccess(name: "gone", role: .auditor, unit: "H19", expires: nil)
        #expect(try await service.request("GET", "/v1/reports/late", token: revoked).status == 200, "valid before its revocation")
        _ = try await service.ledger.revokeAccess(token: grant.token)
        for token in [nil, "", "dlt_" + String(repeating: "0", count: 64), expired, revoked, String(repeating: "x", count: 300)] as [String?] {
            for (method, path) in [("GET", "/v1/reports/late"), ("GET", "/v1/dossiers/x"), ("POST", "/v1/events")] {
                let answer = try await service.request(method, path, token: token, body: method == "POST" ? "{}" : nil)
                #expect(answer.status == 401, "\(method) \(path) with \(token ?? "no token")")
                #expect(answer.headers["content-type"] == "application/problem+json" && answer.body.contains("urn:dossierledger:problem:unauthenticated"))
                #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            }
        }
    }

    @Test("each role on each route: allowed, or 403 naming the role")
    func roleMatrix() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let late = try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["auditor"])
        let code = try #require(late.body.firstMatch(of: /"dossier":"([^"]+)"/)?.1)
        let routes: [(String, String, String?, Set<String>)] = [
            ("POST", "/v1/events", Self.received("m1", dossier: "000.00.47.H19-261120-9001"), ["desk", "desk-province"]),
            ("GET", "/v1/reports/late", nil, ["inspector", "auditor"]),
            ("GET", "/v1/dossiers/\(code)", nil, ["desk", "desk-province", "inspector", "auditor"]),
            ("GET", "/v1/dossiers/\(code)/history", nil, ["desk", "desk-province", "inspector", "auditor"]),
            ("POST", "/v1/dossiers/\(code)/void", "{}", ["desk", "desk-province"]),
            ("GET", "/v1/reports/rates?period=2025", nil, ["inspector", "auditor"]),
            ("GET", "/v1/checkpoint", nil, ["auditor"]),
            ("GET", "/v1/events?limit=2", nil, ["auditor"]),
            ("GET", "/v1/verify", nil, ["auditor"]),
            ("POST", "/v1/admin/sweep?as_of=2026-11-27T17:00:00%2B07:00", nil, ["operator"]),
            ("GET", "/v1/admin/stats", nil, ["operator"]),
            ("GET", "/v1/admin/tokens", nil, ["operator"]),
            ("DELETE", "/v1/admin/tokens/000000000000", nil, ["operator"]),
            ("GET", "/metrics", nil, ["operator"]),
            ("GET", "/v1/openapi.json", nil, ["desk", "desk-province", "inspector", "auditor", "operator"]),
        ]  // the event stream's refusals are LogRouteTests'; the rebuild's AdminTests'
        for (method, path, body, allowed) in routes {
            for role in ["desk", "inspector", "auditor", "operator", "desk-province"] {
                let answer = try await service.request(method, path, token: service.tokens[role], body: body)
                if allowed.contains(role) {
                    // Allowed by role; a dossier outside the token's unit is "not found" (404), never shown.
                    #expect(answer.status != 403 && answer.status != 401, "\(role) \(method) \(path): \(answer.status) \(answer.body)")
                } else {
                    #expect(answer.status == 403 && answer.body.contains("urn:dossierledger:problem:forbidden"), "\(role) \(method) \(path): \(answer.status)")
                }
            }
        }
    }

    @Test("the late list is the JSON of the command line; an inspector's rows are its subtree's only, and another unit is refused")
    func lateListAndScope() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let answer = try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["auditor"])
        let expected = try await Inspector.open(service.engine).lateList(filter: LateFilter(includeFinished: true))
        #expect(answer.status == 200 && answer.headers["content-type"] == "application/json")
        #expect(answer.body == Renderer(format: .json, language: .en).render(expected))
        let scoped = try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["inspector"])
        let own = try await Inspector.open(service.engine).lateList(filter: LateFilter(unit: "H19.X07", includeFinished: true))
        #expect(scoped.body == Renderer(format: .json, language: .en).render(own))
        #expect(expected.rows.count > own.rows.count, "the fixture has late dossiers elsewhere")
        let other = try await service.request("GET", "/v1/reports/late?unit=H19.X01", token: service.tokens["inspector"])
        #expect(other.status == 403, "\(other.body)")
        #expect(try await service.request("GET", "/v1/reports/late?as_of=yesterday", token: service.tokens["auditor"]).status == 400)
        #expect(try await service.request("GET", "/v1/reports/late?top=-1", token: service.tokens["auditor"]).status == 400)
    }

    @Test("appends: 201 with the seq range and head, an identical repeat 200, a bad line 422 naming line, id, field and rule, another unit 403, a clash 409, too much 413")
    func appends() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path, limits: { var l = LedgerService.Limits(); l.bodyBytes = 64 << 10; l.batchEvents = 10; return l }())
        defer { Task { await service.stop() } }
        let desk = service.tokens["desk"]
        let batch = [Self.received("a1", dossier: "000.00.47.H19-261120-9101"), Self.received("a2", dossier: "000.00.47.H19-261120-9102")].joined(separator: "\n")
        let stored = try await service.request("POST", "/v1/events", token: desk, body: batch)
        #expect(stored.status == 201 && stored.body.contains(#""appended":2,"already_stored":0"#), "\(stored.body)")
        let head = try #require(try await service.ledger.store.head())
        #expect(stored.body.contains(#""last_seq":\#(head.position.rawValue),"head_hash":"\#(head.hash.hex)""#))
        let again = try await service.request("POST", "/v1/events", token: desk, body: batch)
        #expect(again.status == 200 && again.body.contains(#""appended":0,"already_stored":2"#), "\(again.body)")

        let bad = try await service.request("POST", "/v1/events", token: desk, body: Self.received("b1", dossier: "000.00.47.H19-261120-9103") + "\n"
            + #"{"id":"b2","dossier":"000.00.47.H19-261120-9104","type":"received","at":"2026-11-20T08:00:00+07:00","actor":"a","unit":"H19.X07","procedure":"1.001193","channel":"pigeon"}"#)
        #expect(bad.status == 422 && bad.body.contains(#""line":"2","id":"b2","field":"channel""#), "\(bad.body)")
        #expect(try await service.ledger.store.event(id: EventID("b1")) == nil, "atomic: nothing of a refused batch")
        for body in ["{", "[1,2]", #"{"id":"c1"}"#, "   "] {
            let answer = try await service.request("POST", "/v1/events", token: desk, body: body)
            #expect([400, 422].contains(answer.status) && answer.headers["content-type"] == "application/problem+json", "\(body): \(answer.status)")
        }
        let elsewhere = try await service.request("POST", "/v1/events", token: desk, body: Self.received("d1", dossier: "000.00.47.H19-261120-9105", unit: "H19.X01"))
        #expect(elsewhere.status == 403 && elsewhere.body.contains("H19.X01"), "\(elsewhere.body)")
        let clash = try await service.request("POST", "/v1/events", token: desk, body: Self.received("a1", dossier: "000.00.47.H19-261120-9106"))
        #expect(clash.status == 409 && clash.body.contains("urn:dossierledger:problem:id-conflict"), "\(clash.body)")
        let large = try await service.request("POST", "/v1/events", token: desk, body: String(repeating: " ", count: 70_000))
        #expect(large.status == 413, "\(large.status)")
        let many = (1...11).map { Self.received("e\($0)", dossier: "000.00.47.H19-261120-92\($0 + 10)") }.joined(separator: "\n")
        #expect(try await service.request("POST", "/v1/events", token: desk, body: many).status == 413)
    }

    @Test("a case history: a desk's and inspector's only for a dossier its unit handled (else 404, as if absent); codes with path tricks are refused")
    func histories() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let code = "000.00.47.H19-261120-9301"
        #expect(try await service.request("POST", "/v1/events", token: service.tokens["desk"], body: Self.received("h1", dossier: code)).status == 201)
        let history = try await LogReader(ledger: service.ledger, rules: try await service.ledger.rules()).history(of: code)
        for role in ["desk", "inspector", "auditor"] {
            let answer = try await service.request("GET", "/v1/dossiers/\(code)/history", token: service.tokens[role])
            #expect(answer.status == 200 && answer.body == Renderer(format: .json, language: .en).render(history.report), "\(role): \(answer.body)")
        }
        let late = try await service.request("GET", "/v1/reports/late?include_finished=true&unit=H19.X01", token: service.tokens["auditor"])
        if let elsewhere = late.body.firstMatch(of: /"dossier":"([^"]+)"/)?.1 {
            #expect(try await service.request("GET", "/v1/dossiers/\(elsewhere)/history", token: service.tokens["inspector"]).status == 404)
            #expect(try await service.request("GET", "/v1/dossiers/\(elsewhere)/history", token: service.tokens["auditor"]).status == 200)
        }
        #expect(try await service.request("GET", "/v1/dossiers/000.00.47.H19-000000-0000", token: service.tokens["auditor"]).status == 404)
        for trick in ["..%2F..%2Fetc%2Fpasswd", "%00", String(repeating: "9", count: 80), "a%20b"] {
            let answer = try await service.request("GET", "/v1/dossiers/\(trick)/history", token: service.tokens["auditor"])
            #expect([400, 404].contains(answer.status), "\(trick): \(answer.status)")
        }
    }
}

/// Versions and corrections through the service.
@Suite(.temporaryDirectory)
struct ServiceWriteTests {
    @Test("If-Match holds the dossier's version or answers 409 with both; a correction voids an event of the dossier named in the path")
    func versionsAndVoids() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let desk = service.tokens["desk"]
        let code = "000.00.47.H19-261120-9501"
        let forwarded = #"{"id":"f1","dossier":"\#(code)","type":"forwarded","at":"2026-11-20T09:00:00+07:00","actor":"cb.x07.1","unit":"H19.X07","to_unit":"H19.X07","to_actor":"cv.x07.2","step_hours":8}"#
        #expect(try await service.request("POST", "/v1/events", token: desk, body: ServiceTests.received("r1", dossier: code), headers: ["If-Match": "0"]).status == 201)
        let stale = try await service.request("POST", "/v1/events", token: desk, body: forwarded, headers: ["If-Match": "0"])
        #expect(stale.status == 409 && stale.body.contains(#""expected":"#) && stale.body.contains(#""actual":"#), "\(stale.body)")
        #expect(try await service.request("POST", "/v1/events", token: desk, body: forwarded, headers: ["If-Match": "\"1\""]).status == 201)
        #expect(try await service.request("POST", "/v1/events", token: desk, body: forwarded, headers: ["If-Match": "one"]).status == 400)

        let void = #"{"id":"v1","dossier":"\#(code)","type":"voided","at":"2026-11-20T09:30:00+07:00","actor":"cb.x07.1","unit":"H19.X07","target":"f1","reason":"chuyển nhầm"}"#
        #expect(try await service.request("POST", "/v1/dossiers/000.00.47.H19-261120-9999/void", token: desk, body: void).status == 400)
        #expect(try await service.request("POST", "/v1/dossiers/\(code)/void", token: desk, body: forwarded).status == 400, "not a correction")
        let voided = try await service.request("POST", "/v1/dossiers/\(code)/void", token: desk, body: void)
        #expect(voided.status == 201, "\(voided.body)")
        let history = try await service.request("GET", "/v1/dossiers/\(code)/history", token: service.tokens["auditor"])
        #expect(history.body.contains("voided"), "\(history.body)")
        #expect(try await service.request("POST", "/v1/dossiers/\(code)/void", token: service.tokens["inspector"], body: void).status == 403)
    }
}

/// The service's own log.
@Suite(.temporaryDirectory)
struct RequestLogTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// A service whose request log's JSON lines are kept.
    static func serviceLogging() async throws -> (RunningService, Lines) {
        let captured = Lines()
        let logger = Logger(label: "dossierledger.requests", factory: { JSONLogHandler(label: $0, output: { line in captured.lines.withLock { $0.append(line) } }) })
        return (try await RunningService.start(in: TemporaryDirectory.path, requests: logger), captured)
    }

    @Test("one JSON line per request: id, token's name, method, path without query, status, duration; never a secret")
    func lines() async throws {
        let (service, captured) = try await Self.serviceLogging()
        defer { Task { await service.stop() } }
        _ = try await service.request("GET", "/v1/reports/late?unit=H19.X07", token: service.tokens["auditor"])
        _ = try await service.request("GET", "/v1/reports/late", token: "dlt_wrong")
        let lines = captured.lines.withLock { $0 }
        #expect(lines.count == 2)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) }
        #expect(objects[0]["status"] == "200" && objects[0]["path"] == "/v1/reports/late" && objects[0]["token"]?.hasSuffix(" auditor") == true)
        #expect(objects[1]["status"] == "401" && objects[1]["token"] == "-")
        #expect(objects.allSatisfy { $0["request_id"] != nil && Double($0["duration_ms"] ?? "") != nil && $0["method"] == "GET" })
        #expect(!lines.joined().contains("dlt_"), "no secret in the log")
    }

    @Test("each case history an inspector or auditor reads is logged with the token, role, dossier and time; a desk's own reads and refused reads are not")
    func caseHistoryReads() async throws {
        let (service, captured) = try await Self.serviceLogging()
        defer { Task { await service.stop() } }
        let code = "000.00.47.H19-261120-9311"  // received at H19.X07: every role's to read
        #expect(try await service.request("POST", "/v1/events", token: service.tokens["desk"], body: ServiceTests.received("r1", dossier: code)).status == 201)
        for role in ["auditor", "desk", "inspector"] { _ = try await service.request("GET", "/v1/dossiers/\(code)/history", token: service.tokens[role]) }
        _ = try await service.request("GET", "/v1/dossiers/000.00.99.H19-990101-0000/history", token: service.tokens["auditor"])
        let reads = try captured.lines.withLock { $0 }.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
            .filter { $0["message"] == "case history read" }
        #expect(reads.map { $0["role"] } == ["auditor", "inspector"], "\(reads)")
        #expect(reads.allSatisfy { $0["dossier"] == code && $0["token"]?.hasSuffix(" \($0["role"] ?? "")") == true && $0["time"] != nil }, "\(reads)")
    }
}

/// What a hostile or careless client meets.
@Suite(.temporaryDirectory)
struct LimitTests {
    @Test("a body trickled in is cut off with 408; a token past its rate gets 429 with Retry-After while another token goes on")
    func limits() async throws {
        var limits = LedgerService.Limits()
        // A bucket of 4 refilled once a minute: a loaded machine's slow requests cannot refill it.
        (limits.bodyTime, limits.perSecond, limits.burst) = (.seconds(1), 1.0 / 60, 4)
        let service = try await RunningService.start(in: TemporaryDirectory.path, limits: limits)
        defer { Task { await service.stop() } }

        let client = try RawClient(port: service.port)
        defer { client.close() }
        client.send("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(service.tokens["desk"]!)\r\nContent-Length: 400\r\n\r\n{")
        var answer = ""
        for _ in 0..<20 where answer.isEmpty {  // a byte every 200 ms, never finishing within the second allowed
            client.send(" ")
            answer = client.receive(timeout: .milliseconds(200))
        }
        // Cut off well before the 400 bytes it announced: at most 20 of them were sent.
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")

        var statuses: [Int] = []
        var retry: String?
        for _ in 0..<8 {
            let reply = try await service.request("GET", "/v1/checkpoint", token: service.tokens["auditor"])
            statuses.append(reply.status)
            retry = retry ?? reply.headers["retry-after"]
        }
        #expect(statuses.prefix(4).allSatisfy { $0 == 200 } && statuses.contains(429), "\(statuses)")
        #expect(retry.flatMap(Int.init).map { $0 >= 1 } == true)
        #expect(try await service.request("GET", "/v1/reports/late", token: service.tokens["inspector"]).status == 200, "another token is not slowed")
    }
}

@Suite(.temporaryDirectory)
struct MetricsTests {
    @Test("/metrics: Prometheus text for the operator's token only, counting requests, appends, refusals, lag and overdue dossiers")
    func metrics() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        #expect(try await service.request("POST", "/v1/events", token: service.tokens["desk"], body: ServiceTests.received("p1", dossier: "000.00.47.H19-261120-9601")).status == 201)
        #expect(try await service.request("GET", "/v1/reports/late", token: "dlt_nothing").status == 401)
        #expect(try await service.request("GET", "/metrics").status == 401)
        #expect(try await service.request("GET", "/metrics", token: service.tokens["auditor"]).status == 403)
        let scraped = try await service.request("GET", "/metrics", token: service.tokens["operator"])
        #expect(scraped.status == 200)
        for line in ["dossierledger_events_appended_total 1", #"dossierledger_refusals_total{kind="unauthenticated"} 2"#,
                     "dossierledger_projection_lag_events ", "dossierledger_dossiers_overdue ",
                     #"dossierledger_request_duration_seconds_count{route="/v1/events",status="201"} 1"#,
                     "dossierledger_append_batch_events_count 1"] {
            #expect(scraped.body.contains(line), "\(line) in:\n\(scraped.body)")
        }
    }
}

@Suite(.temporaryDirectory)
struct AdminTests {
    @Test("the operator sweeps and rebuilds over HTTP; views answer throughout the rebuild; other roles are refused")
    func sweepAndRebuild() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        for role in ["desk", "inspector", "auditor"] {
            #expect(try await service.request("POST", "/v1/admin/rebuild", token: service.tokens[role]).status == 403)
            #expect(try await service.request("POST", "/v1/admin/sweep", token: service.tokens[role]).status == 403)
        }
        let swept = try await service.request("POST", "/v1/admin/sweep?as_of=2026-11-27T17:00:00%2B07:00", token: service.tokens["operator"])
        #expect(swept.status == 200 && swept.body.contains(#""as_of":"2026-11-27T17:00:00+07:00""#) && swept.body.contains(#""already_present":"#), "\(swept.body.prefix(300))")
        let before = try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["auditor"]).body
        async let rebuilt = service.request("POST", "/v1/admin/rebuild", token: service.tokens["operator"])
        var statuses: [Int] = []
        for _ in 0..<20 { statuses.append(try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["auditor"]).status) }
        let answer = try await rebuilt
        #expect(answer.status == 200 && answer.body.contains(#""dossiers_seq":"#) && answer.body.contains(#""receipts_seq":"#), "\(answer.body)")
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(try await service.request("GET", "/v1/reports/late?include_finished=true", token: service.tokens["auditor"]).body == before)
    }

    @Test("the operator's statistics and token list as the commands give them (no secret); a revocation holds from the next request; the auditor's verify")
    func statisticsTokensVerify() async throws {
        let service = try await RunningService.start(in: TemporaryDirectory.path)
        defer { Task { await service.stop() } }
        let operatorToken = service.tokens["operator"]
        let stats = try await service.request("GET", "/v1/admin/stats", token: operatorToken)
        let gathered = try await LedgerStatistics.gather(service.engine)
        #expect(stats.status == 200 && stats.body == Renderer.json(gathered))
        #expect(gathered.dossiers == 80, "the fixture's 80 dossiers; the catalog's and the tokens' streams are not dossiers")
        let list = try await service.request("GET", "/v1/admin/tokens", token: operatorToken)
        let access = try await service.ledger.accessList()
        #expect(list.status == 200 && list.body == Renderer.json(access, on: TimeGuard.wallClock().localDate))
        #expect(!list.body.contains("dlt_") && !list.body.contains("secret"), "no secret, no hash")

        let desk = try #require(try await service.ledger.accessList().entries.first { $0.grant.name == "desk" }).grant.token
        #expect(try await service.request("GET", "/v1/dossiers/x", token: service.tokens["desk"]).status == 404, "the desk's token works before")
        let revoked = try await service.request("DELETE", "/v1/admin/tokens/\(desk)", token: operatorToken)
        #expect(revoked.status == 200 && revoked.body.contains(#""revoked":true"#), "\(revoked.body)")
        #expect(try await service.request("GET", "/v1/dossiers/x", token: service.tokens["desk"]).status == 401, "and not after")
        #expect(try await service.request("DELETE", "/v1/admin/tokens/\(desk)", token: operatorToken).body.contains(#""already_revoked":true"#))
        #expect(try await service.request("DELETE", "/v1/admin/tokens/abcdefabcdef", token: operatorToken).status == 404)
        #expect(try await service.request("DELETE", "/v1/admin/tokens/..%2F..%2Fetc", token: operatorToken).status == 400)

        let verified = try await service.request("GET", "/v1/verify", token: service.tokens["auditor"])
        let head = try #require(try await service.ledger.store.head())
        #expect(verified.status == 200 && verified.body.contains(#""checked":\#(head.position.rawValue),"intact":true"#), "\(verified.body)")
    }
}
