import DossierDomain
public import EventLog

/// What checking an exported JSON Lines file on its own found.
public struct ExportVerification: Sendable, Hashable {
    /// Lines checked (blank lines aside).
    public var lines = 0
    /// The first and last seq of the file.
    public var first: GlobalPosition?
    public var last: LogHead?
    /// The first problem, naming the line and the seq; nil when every hash recomputes.
    public var failure: String?

    public var isIntact: Bool { failure == nil }
}

/// Checks an export (``DossierLedger/export(dossier:from:through:to:)``) without a store, so a
/// third party can check a history they were given (integrity.md): every line's record is
/// rebuilt from its fields exactly as the store encoded it, its hash recomputed over the previous
/// line's hash, and its per-dossier link checked against the dossier's previous line.
///
/// A whole-log export is checked from seq 1. An export that starts later (a seq range, or one
/// dossier) cannot show the link to what is not in it: its first line's global link, and each
/// dossier's first link, are taken as given and said so in the result's `first`.
public enum ExportVerifier: Sendable {
    public static func verify(path: String, progress: (Int) -> Void = { _ in }) throws -> ExportVerification {
        let reader = try LineReader(path: path)
        var result = ExportVerification()
        var previousHash: EventHash?
        var previousSeq: UInt64?
        var streams: [String: (version: UInt64, hash: EventHash)] = [:]
        var number = 0
        while let outcome = try reader.nextLine({ bytes -> String? in
            number += 1
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0d }) else { return "" }
            let line: LogLine
            do { line = try LogLine.parse(line: bytes, number: number) } catch { return "\(error)" }
            let stream: String, proposed: ProposedEvent, exported: ExportedFields?
            do {
                switch line {
                case .event(let parsed):
                    (stream, proposed, exported) = (parsed.event.dossier, try Records.proposed(parsed.event).1, parsed.exported)
                case .catalog(let entry, let id, let fields):
                    (stream, proposed, exported) = (CatalogEntry.stream,
                                                    try ProposedEvent(id: EventID(id), type: entry.wireName, payload: Array(entry.json.utf8)), fields)
                }
            } catch {
                return "line \(number): \(error)"
            }
            guard let exported, let hash = EventHash(hex: exported.hash) else {
                return "line \(number): no seq, version, recorded and hash: not an export line"
            }
            result.lines += 1
            let seq = exported.seq
            if let previousSeq, seq != previousSeq + 1 {
                return "line \(number), seq \(seq): follows seq \(previousSeq); an event is missing, added or out of order"
            }
            if result.first == nil { result.first = GlobalPosition(seq) }
            let known = streams[stream]
            if let known, exported.version != known.version + 1 {
                return "line \(number), seq \(seq): version \(exported.version) of \(stream) follows version \(known.version)"
            }
            // Without the dossier's earlier lines (a partial export), the stored link is taken as given.
            let previousInStream = known?.hash ?? (exported.version == 1 ? .zero : nil)
            let global = previousHash ?? (seq == 1 ? .zero : nil)
            let streamID: StreamID
            do { streamID = try StreamID(stream) } catch { return "line \(number): \(error)" }
            let record: [UInt8]
            if let previousInStream, let global {
                record = RecordLayout.encode(proposed, stream: streamID, position: GlobalPosition(seq), version: StreamVersion(exported.version),
                                             recorded: RecordedTime(rawValue: exported.recorded.microseconds),
                                             previousInStream: previousInStream, previousHash: global)
                let computed = record.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
                if computed != hash {
                    return "line \(number), seq \(seq): the hash does not recompute (the event, its place or its links were changed)"
                }
            }
            previousHash = hash
            previousSeq = seq
            streams[stream] = (exported.version, hash)
            result.last = LogHead(position: GlobalPosition(seq), hash: hash, recorded: RecordedTime(rawValue: exported.recorded.microseconds))
            if result.lines % 65_536 == 0 { progress(result.lines) }
            return nil
        }) {
            if let failure = outcome, !failure.isEmpty {
                result.failure = failure
                return result
            }
        }
        return result
    }
}
