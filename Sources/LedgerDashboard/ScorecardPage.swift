import DossierDomain
import DossierLog
import Hummingbird
import LedgerService
import Projections
import ReportFormats
import Views

extension Pages {
    /// The period's scorecard against the targets given to `dossier serve --targets`: an
    /// inspector sees the targets set on units of its subtree, each unit a link to its page.
    func scorecard(_ request: Request, _ user: User) async throws -> (title: String, html: String) {
        var out = "<h1>\(HTML.both("Kết quả so với chỉ tiêu", "Scorecard"))</h1>"
        guard !service.targets.isEmpty else {
            return ("scorecard", out + "<p>\(HTML.both("Chưa có chỉ tiêu: khởi động với dossier serve --targets TỆP.", "No targets: start the service with dossier serve --targets FILE."))</p>")
        }
        let inspector = try await Inspector.open(service.engine)
        let choice = try PeriodChoice(request, around: try await inspector.dossiers.latestAt())
        var report = try await inspector.scorecard(period: choice.period, targets: service.targets)
        if user.grant.role == .inspector {  // targets of the subtree's units only (a province-wide one is the auditor's)
            report.rows = report.rows.filter { row in row.target.unit.map { user.covers($0, inspector.rules.catalog) } ?? false }
            report.summary = nil
        }
        out += choice.form(action: request.uri.path)
        out += HTML.table(report, fields: ["target", "indicator", "unit", "comparison", "threshold", "value", "achieved_percent", "met"],
                          caption: HTML.both("Chỉ tiêu của kỳ", "The period's targets")) { field, row in
            field == "unit" ? row.target.unit.map { "/dashboard/units/\(HTML.percentEncoded($0))" + HTML.query(choice.query) } : nil
        }
        if let summary = report.summary { out += "<p>\(HTML.escape(HTML.vi.language.say(summary)))</p>" }
        return ("scorecard \(choice.period.label)", out + HTML.provenance(report.provenance, at: report.reportInstant))
    }
}
