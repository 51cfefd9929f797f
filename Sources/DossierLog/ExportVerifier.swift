public import DossierDomain
public import EventLog

/// What checking an exported JSON Lines file on its own found.
public struct ExportVerification: Sendable, Hashable {
    /// Lines checked (blank lines aside).
    public var lines = 0
    /// The first and last seq of the file.
    public var first: GlobalPosition?
    public var last: LogHead?
    /// The first problem, naming the line and the seq; nil when every hash recomputes.
    public var failure: Phrase?
    /// Dossiers (and the catalog stream) with lines in the file.
    public var streams = 0
    /// Lines whose event before them in the log is not in the file (a part of the log): their
    /// global link cannot be checked from the file alone.
    public var globalLinksUnchecked = 0
    /// Lines whose record could not be recomputed: neither `previous_hash` nor the event before
    /// them in the file, or their dossier's previous event is not in the file.
    public var recordsUnchecked = 0

    public var isIntact: Bool { failure == nil }
}

/// Checks an export (``DossierLedger/export(dossier:from:through:to:)``) without a store, so a
/// third party can check a history they were given (integrity.md): every line's record is
/// rebuilt from its fields exactly as the store encoded it, its hash recomputed over the hash of
/// the event before it, and its per-dossier link checked against the dossier's previous line.
///
/// A whole-log export is checked from seq 1, every global link included. An export of part of
/// the log (one dossier, a seq range) carries `previous_hash` on each line: each record still
/// recomputes to its hash, each dossier's lines still link one to the next (the first to
/// nothing), and the global links that reach events outside the file are counted as not
/// checkable from it (``ExportVerification/globalLinksUnchecked``), not failed.
public enum ExportVerifier: Sendable {
    public static func verify(path: String, progress: (Int) -> Void = { _ in }) throws -> ExportVerification {
        let reader = try LineReader(path: path)
        var checker = ExportChecker()
        while let outcome = try reader.nextLine({ checker.check($0) }) {
            if let failure = outcome, !failure.template.isEmpty {
                var result = checker.result
                result.failure = failure
                return result
            }
            if checker.result.lines % 65_536 == 0 { progress(checker.result.lines) }
        }
        return checker.result
    }
}

/// Checks export lines one at a time (``ExportVerifier`` over a file; a proof bundle over its
/// dossier's lines): after each line that holds, ``result`` names it as ``ExportVerification/last``.
public struct ExportChecker: Sendable {
    public private(set) var result = ExportVerification()
    private var previousLine: (seq: UInt64, hash: EventHash)?
    private var streams: [String: (version: UInt64, hash: EventHash)] = [:]
    private var number = 0

    public init() {}

    /// Checks the next line: nil when it holds, an empty phrase for a blank line, else the problem.
    public mutating func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Phrase? {
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
                (stream, proposed, exported) = (entry.stream,
                                                try ProposedEvent(id: EventID(id), type: entry.wireName, payload: Array(entry.json.utf8)), fields)
            }
        } catch {
            return "line \(number): \(error)"
        }
        guard let exported, let hash = EventHash(hex: exported.hash) else {
            return "line \(number): no seq, version, recorded and hash: not an export line"
        }
        var stated: EventHash?
        if let text = exported.previousHash {
            guard let parsed = EventHash(hex: text) else { return "line \(number): previous_hash must be 64 hexadecimal digits" }
            stated = parsed
        }
        result.lines += 1
        let seq = exported.seq
        // The global link: to the line before when it is the event before, else as stated (a part of the log).
        var global: EventHash?
        if let previousLine, seq == previousLine.seq + 1 {
            if let stated, stated != previousLine.hash {
                return "line \(number), seq \(seq): its previous_hash is not the hash of seq \(previousLine.seq) on the line before"
            }
            global = previousLine.hash
        } else {
            if let previousLine, seq <= previousLine.seq {
                return "line \(number), seq \(seq): follows seq \(previousLine.seq); the lines are out of order or repeated"
            }
            if let previousLine, stated == nil {
                return "line \(number), seq \(seq): follows seq \(previousLine.seq); an event is missing, added or out of order"
            }
            if seq == 1 {
                if let stated, stated != .zero { return "line \(number), seq 1: its previous_hash must be 64 zeros" }
                global = .zero
            } else {
                global = stated
                result.globalLinksUnchecked += 1
            }
        }
        if result.first == nil { result.first = GlobalPosition(seq) }
        let known = streams[stream]
        if let known, exported.version != known.version + 1 {
            return "line \(number), seq \(seq): version \(exported.version) of \(stream) follows version \(known.version); an event of the dossier is missing"
        }
        // Without the dossier's earlier lines (a seq range), its link is taken as given.
        let previousInStream = known?.hash ?? (exported.version == 1 ? .zero : nil)
        let streamID: StreamID
        do { streamID = try StreamID(stream) } catch { return "line \(number): \(error)" }
        if let previousInStream, let global {
            let record = RecordLayout.encode(proposed, stream: streamID, position: GlobalPosition(seq), version: StreamVersion(exported.version),
                                             recorded: RecordedTime(rawValue: exported.recorded.microseconds),
                                             previousInStream: previousInStream, previousHash: global)
            let computed = record.withUnsafeBytes { EventHash(bytes: $0, at: $0.count - 32) }
            if computed != hash {
                return "line \(number), seq \(seq): the hash does not recompute (the event, its place or its links were changed)"
            }
        } else {
            result.recordsUnchecked += 1
        }
        previousLine = (seq, hash)
        streams[stream] = (exported.version, hash)
        result.streams = streams.count
        result.last = LogHead(position: GlobalPosition(seq), hash: hash, recorded: RecordedTime(rawValue: exported.recorded.microseconds))
        return nil
    }
}
