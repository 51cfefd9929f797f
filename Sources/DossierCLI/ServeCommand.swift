import ArgumentParser
import DossierDomain
import Foundation
import Hummingbird
import LedgerDashboard
import LedgerService
import Logging
import ReportFormats
import Views

/// `dossier serve`: the ledger over HTTP, for desks and inspectors with tokens of the log.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Serve the ledger over HTTP: desks append, inspectors and auditors read, each with a token of `dossier token create`."),
        discussion: """
        Routes: GET /healthz and /readyz (anyone); with `Authorization: Bearer <token>`: POST /v1/events
        (desk: one JSON event, or JSON Lines, stored atomically), GET /v1/dossiers/{code} and
        /v1/dossiers/{code}/history (desk and inspector: dossiers their unit's subtree handled; auditor: all),
        GET /v1/reports/late (inspector: its subtree's rows; auditor). Views answer the JSON of --format json.
        GET /v1/checkpoint (auditor): the head, and with --key a signed checkpoint.
        /dashboard: the inspectors' dashboard in a browser (sign in with an inspector's or auditor's token).
        Plain HTTP is served on a loopback address only (put a TLS proxy in front, or give --tls-cert and --tls-key).

        Example:
          dossier serve --listen 127.0.0.1:8080
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "HOST:PORT to listen on, a loopback address (port 0: any free port, printed).") var listen = "127.0.0.1:8080"
    @Option(help: "The log on standard error: text, or json (one object per line, for a log collector).") var logFormat: LogFormat = .text
    @Option(help: "Serve HTTPS with this certificate chain (PEM), with --tls-key.", completion: .file()) var tlsCert: String?
    @Option(help: "The certificate's private key (PEM).", completion: .file()) var tlsKey: String?
    @Option(help: "Sign the checkpoints of GET /v1/checkpoint with the signer key in this file (from `dossier checkpoint --new-key`).",
            completion: .file()) var key: String?
    @Option(help: "The province's targets (JSON, as `dossier scorecard --targets` reads them), for GET /v1/reports/scorecard.",
            completion: .file(extensions: ["json"])) var targets: String?
    @Flag(help: "Serve plain HTTP on an address that is not loopback (only inside a network that no one else reaches).") var allowPlainHTTP = false

    enum LogFormat: String, ExpressibleByArgument { case text, json }

    func run() async throws {
        let (host, port) = try address()
        let session = try await Session(global)
        let json = logFormat == .json
        let logger = { (label: String) in json ? Logger(label: label, factory: { JSONLogHandler(label: $0) }) : Logger(label: label) }
        let signing = try key.map { (session.origin, try KeyFile.signer($0, origin: session.origin)) }
        let service = LedgerService(engine: try session.projectionEngine(), requests: logger("dossierledger.requests"), signing: signing,
                                    targets: try targets.map { try Target.read($0) } ?? [], pages: Dashboard())
        let tls = try tlsFiles()
        let app = try Result {
            try service.application(host: host, port: port, tls: tls, logger: logger("dossierledger")) { bound in
                FileHandle.standardOutput.write(Data("listening on \(tls == nil ? "http" : "https")://\(host):\(bound)\n".utf8))
            }
        }.mapError { ToolError("cannot use the certificate \(tlsCert ?? "") and key \(tlsKey ?? ""): \($0)") }.get()
        try await app.runService()
    }

    /// `--tls-cert` and `--tls-key`, both or neither.
    private func tlsFiles() throws -> (certificate: String, key: String)? {
        switch (tlsCert, tlsKey) {
        case (nil, nil): return nil
        case (let certificate?, let key?): return (certificate, key)
        default: throw ToolError.usage("give both --tls-cert and --tls-key")
        }
    }

    /// `--listen` as host and port; plain HTTP on a host that is not loopback is refused unless
    /// `--allow-plain-http` says so.
    private func address() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ToolError.usage("--listen \(listen): give HOST:PORT, e.g. 127.0.0.1:8080")
        }
        let host = String(listen[..<colon])
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
        guard loopback || tlsCert != nil || allowPlainHTTP else {
            throw ToolError.usage("--listen \(listen): plain HTTP is served on a loopback address only; give --tls-cert and --tls-key, or put a TLS proxy in front of it")
        }
        return (host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }
}
