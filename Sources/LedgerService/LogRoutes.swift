import DossierDomain
import DossierLog
public import EventLog
import Foundation
import Hummingbird
import ReportFormats
import ServiceLifecycle
import Views

/// The log itself, for auditors and downstream systems: its head, its events in export format,
/// and a stream of them that catches up and then follows.
extension LedgerService {
    /// `GET /v1/checkpoint`: the head (seq, hash, recorded) and, when the service has a key, the
    /// signed checkpoint of the tree up to it (null without one); with `Accept: text/plain`, the
    /// signed checkpoint alone, as `dossier checkpoint --key` writes it (406 without a key).
    func checkpoint(_ request: Request, _ context: LedgerContext) async throws -> Response {
        _ = try context.require([.auditor])
        guard let head = try await ledger.store.head() else { throw Problem(.notFound, "the log is empty") }
        let note = try await signedCheckpoint(at: head)
        if request.headers[.accept]?.contains("text/plain") == true {
            guard let note else { throw Problem(.notAcceptable, "this service signs no checkpoints (start it with --key); ask for application/json") }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note.written)))
        }
        let recorded = Instant(microsecondsSinceEpoch: head.recorded.rawValue)
        return json(Renderer(format: .json, language: .en).outcome("", [("seq", .integer(Int(head.position.rawValue))), ("hash", .digest(head.hash.hex)),
                                                                       ("recorded", .text(recorded.utcDescription)),
                                                                       ("signed_checkpoint", note.map { Value.text($0.written) } ?? .null)]))
    }

    /// The checkpoint of the tree up to `head`, signed with the service's key (nil without one).
    public func signedCheckpoint(at head: LogHead) async throws -> SignedNote? {
        guard let signing else { return nil }
        return try await ledger.store.signedCheckpoint(at: head, origin: signing.origin, signer: signing.key)
    }

    /// Whether the service was given a key to sign checkpoints (and so proof bundles) with.
    public var signsCheckpoints: Bool { signing != nil }

    /// `GET /v1/events?from_seq=&limit=`: up to `limit` (at most 10,000) events from `from_seq` as
    /// export lines (JSON Lines, each with `previous_hash` past seq 1), verifiable on their own.
    func events(_ request: Request, _ context: LedgerContext) async throws -> Response {
        _ = try context.require([.auditor])
        let query = request.uri.queryParameters
        let from = try Self.seq(query["from_seq"], default: 1)
        let limit = try Self.seq(query["limit"], default: 1_000)
        guard limit <= 10_000 else { throw Problem(.badRequest, "limit is at most 10000") }
        var bytes: [UInt8] = []
        try await ledger.export(from: GlobalPosition(from), through: GlobalPosition(from + limit - 1)) { bytes += $0 }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `GET /v1/events/stream?from_seq=`: Server-Sent Events, one per event (`id` its seq, `data`
    /// its export line), from `from_seq` (or after the `Last-Event-ID` a reconnecting client
    /// sends), then each new event as it is stored; a comment every 15 s keeps proxies open.
    func stream(_ request: Request, _ context: LedgerContext) async throws -> Response {
        _ = try context.require([.auditor])
        var from = try Self.seq(request.uri.queryParameters["from_seq"], default: 1)
        if let last = request.headers[.init("Last-Event-ID")!] {
            guard let seq = UInt64(last) else { throw Problem(.badRequest, "Last-Event-ID is the seq of the last event received") }
            from = seq + 1
        }
        let (ledger, start) = (ledger, from)
        let body = ResponseBody { writer in
            var next = start
            var written = ContinuousClock.now
            // A server shutting down ends the stream (else it would wait for the client to leave).
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let head = try await ledger.store.head()?.position.rawValue ?? 0
                guard head >= next else {
                    // Woken by the store where it can tell (PostgreSQL), else a look every 250 ms.
                    try await ledger.store.waitForEvent(at: GlobalPosition(next), atMost: .milliseconds(250))
                    if ContinuousClock.now - written > .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": waiting\n\n"))  // a client gone is found here
                        written = ContinuousClock.now
                    }
                    continue
                }
                let through = min(head, next + 1_023)
                var events = ""
                var seq = next
                try await ledger.export(from: GlobalPosition(next), through: GlobalPosition(through)) { (line: String) in
                    events += "id: \(seq)\ndata: \(line)\n\n"
                    seq += 1
                }
                try await writer.write(ByteBuffer(string: events))
                (next, written) = (through + 1, ContinuousClock.now)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// A seq or count parameter: a whole number from 1.
    static func seq(_ text: Substring?, default value: UInt64) throws -> UInt64 {
        guard let text else { return value }
        guard let n = UInt64(text), n >= 1 else { throw Problem(.badRequest, "\(text): a whole number from 1") }
        return n
    }
}
