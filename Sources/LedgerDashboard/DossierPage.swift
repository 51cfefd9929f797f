import DossierDomain
import DossierLog
import EventLog
import Hummingbird
import LedgerService
import Projections
import ReportFormats
import Views

extension Pages {
    /// A case history as a timeline: a strip over time against the due, each event with who held
    /// the dossier and its due then, voided entries struck through with the void's reason, the
    /// hash-link check, and the state at the views' instant, or at any instant asked (`at`,
    /// local time); a proof bundle to download when the service signs checkpoints. Only a
    /// dossier the token's subtree handled (else "not found", as if absent).
    func dossier(_ code: String, _ request: Request, _ user: User) async throws -> (title: String, html: String) {
        let (history, asked) = try await caseHistory(code, request, user)
        var out = "<h1>\(HTML.both("Hồ sơ", "Dossier")) <code>\(HTML.escape(code))</code></h1>"
        out += """
        <form class="period" method="get" action="/dashboard/dossiers/\(HTML.percentEncoded(code))"><label for="at">\(HTML.both("Trạng thái tại thời điểm", "State as of"))
        <input id="at" name="at" type="datetime-local" value="\(HTML.escape(asked ?? ""))"></label><button type="submit">\(HTML.both("Xem", "Show"))</button>
        \(asked == nil ? "" : "<a href=\"/dashboard/dossiers/\(HTML.percentEncoded(code))\">\(HTML.both("Hiện tại", "Now"))</a>")</form>
        """
        if service.signsCheckpoints {
            out += "<p class=\"download\"><a href=\"/dashboard/dossiers/\(HTML.percentEncoded(code))/proof\" download>\(HTML.both("Tải gói chứng minh (kiểm tra được ngoại tuyến)", "Download the proof bundle (checkable offline)"))</a></p>"
        }

        out += history.chainProblem.map { "<p class=\"bad\">\(HTML.both("Chuỗi băm KHÔNG toàn vẹn", "Hash links BROKEN")): \(HTML.escape($0.description))</p>" }
            ?? "<p class=\"ok\">✓ \(HTML.both("Mọi liên kết băm đều đúng", "Every hash link holds"))</p>"
        if let judgement = history.judgement {
            out += "<p>\(HTML.both("Trạng thái", "Status")): <strong>\(HTML.escape(judgement.status.rawValue))</strong> · \(HTML.escape(judgement.standing))"
            if judgement.hoursOverdue > 0 { out += " · \(HTML.both("quá hạn", "overdue")) \(HTML.vi.decimal(judgement.hoursOverdue)) h" }
            out += " · \(HTML.both("tính đến", "as of")) \(HTML.escape(judgement.at.description))</p>"
        }
        if let judgement = history.judgement {
            out += Chart.timeline(history.report.rows, end: judgement.at, due: judgement.legalDue, rescheduled: history.report.rows.last?.rescheduledDue)
        }
        out += "<div class=\"scroll\"><table><caption>\(HTML.both("Diễn biến", "Timeline"))</caption><thead><tr>"
        for (vi, en) in [("Số thứ tự", "seq"), ("Thời điểm", "at"), ("Sự kiện", "event"), ("Cán bộ", "actor"), ("Đơn vị", "unit"),
                         ("Người giữ", "holder"), ("Hạn", "due"), ("Hạn mới", "rescheduled due"), ("Tình trạng", "standing")] {
            out += "<th scope=\"col\">\(HTML.both(vi, en))</th>"
        }
        out += "</tr></thead><tbody>"
        for row in history.report.rows {
            let values = row.values, fields = HistoryRow.fields
            func cell(_ field: String) -> String { HTML.escape(HTML.vi.text(values[fields.firstIndex(of: field)!])) }
            var event = cell("type")
            if let void = row.voidedBy {
                event = "<del>\(event)</del> <span class=\"bad\">\(HTML.both("đã hủy", "voided")): \(HTML.escape(void.reason))</span>"
            }
            let holder = [cell("holder_actor"), cell("holder_unit")].filter { $0 != "-" }.joined(separator: " · ")
            out += "<tr><td class=\"n\">\(cell("seq"))</td><td>\(cell("at"))</td><td>\(event)</td><td>\(cell("actor"))</td><td>\(cell("unit"))</td>"
            out += "<td>\(holder)</td><td>\(cell("due"))</td><td>\(cell("rescheduled_due"))</td><td>\(cell("standing"))</td></tr>"
        }
        out += "</tbody></table></div>" + HTML.provenance(history.report.provenance, at: history.report.reportInstant)
        return (code, out)
    }

    /// The dossier's proof bundle: its events with their inclusion proofs in the tree up to the
    /// log's head, signed now with the service's key.
    func proof(_ code: String, _ request: Request, _ user: User) async throws -> Response {
        _ = try await caseHistory(code, request, user)
        guard let head = try await service.ledger.store.head(), let note = try await service.signedCheckpoint(at: head) else {
            throw PageNotFound(what: "a proof bundle (this service signs no checkpoints: start it with --key)")
        }
        let bundle = try await service.ledger.proofBundle(of: code, note: note, size: head.position.rawValue)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store",
                                               .contentDisposition: "attachment; filename=\"\(code).proof.json\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: try bundle.encoded())))
    }

    /// A dossier's history judged at `at` (local time, `2026-11-20T08:00`) or at the instant
    /// every other page is (the latest event of the log), so a dossier the late list shows is
    /// late here too, not "in time" as of its own last event. Only one the token's subtree
    /// handled: else "not found", as if absent.
    private func caseHistory(_ code: String, _ request: Request, _ user: User) async throws -> (CaseHistory, String?) {
        guard LedgerService.isDossierCode(code) else { throw PageNotFound(what: "dossier \(code)") }
        let inspector = try await Inspector.open(service.engine)
        let asked = request.uri.queryParameters["at"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var instant = try await inspector.dossiers.latestAt()
        if let asked {
            guard asked.count == 16, let at = try? Instant(rfc3339: asked + ":00+07:00") else {
                throw PageNotFound(what: "instant \(asked): give a local date and time, 2026-11-20T08:00")
            }
            instant = at
        }
        let history: CaseHistory
        do { history = try await inspector.log.history(of: code, through: instant.map { .instant($0) } ?? .all) } catch is UnknownDossier {
            throw PageNotFound(what: "dossier \(code)")
        }
        guard history.units.contains(where: { user.covers($0, inspector.rules.catalog) }) else { throw PageNotFound(what: "dossier \(code)") }
        return (history, asked)
    }
}
