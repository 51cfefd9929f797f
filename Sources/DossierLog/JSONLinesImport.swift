import DossierDomain
public import EventLog
import Foundation
import Glibc

/// What an import does with an invalid line.
public enum ImportMode: Sendable, Hashable {
    /// One bad line and nothing of the file is stored (the default).
    case atomic
    /// Store the valid lines; write each rejected line, unchanged, to this file, after a
    /// `# line N: reason` comment line.
    case keepValid(rejectsPath: String)
}

/// What an import did.
public struct ImportSummary: Sendable, Hashable, CustomStringConvertible {
    public var lines = 0
    public var appended = 0
    /// Lines whose id was stored already with identical content.
    public var duplicates = 0
    public var rejected = 0
    public var catalogEntries = 0
    public var positions: ClosedRange<GlobalPosition>?

    public var description: String {
        "\(lines) lines: \(appended) events stored, \(duplicates) already stored (skipped), \(rejected) rejected"
            + (catalogEntries > 0 ? ", \(catalogEntries) catalog entries" : "")
    }
}

/// The import of a JSON Lines file, as a source the store pulls inside its write transaction:
/// each line is parsed and checked (shape, catalogs, ids, lifecycle) before it is handed over;
/// an invalid line throws (atomic mode) and nothing is stored, or goes to the rejects file.
///
/// It keeps one small ``Lifecycle`` per dossier it meets, up to ``slotLimit`` dossiers, so
/// memory stays bounded. It must be pulled on one thread at a time (the store's writer).
final class JSONLinesImport: BulkEventSource, @unchecked Sendable {
    private let mode: ImportMode
    private let preparer: LinePreparer
    private let reader: LineReader
    private var pipeline: LinePipeline?
    private var batch: PreparedBatch?
    private var rejects: UnsafeMutablePointer<FILE>?
    /// The store's stream slots (``BulkEvent/streamSlot``), and each slot's lifecycle and
    /// effective events (the latest in ``journal``), which a correction is checked against.
    private var slots = StreamSlotTable()
    private var lifecycles: [Lifecycle] = []
    private var tops: [Int32] = []
    private var journal = EffectiveJournal()
    /// More streams than this and the slots start again (the store and this source forget
    /// what they kept per stream), so memory stays bounded whatever the number of dossiers.
    let slotLimit: Int
    /// More journal nodes than this (24 bytes each) and the slots start again too, at the next
    /// new dossier: bounded whatever the number of events per dossier.
    let journalLimit: Int
    private(set) var summary = ImportSummary()
    let estimatedBytes: Int
    /// Every line's id is looked up (rule 2: a repeat, or a conflict).
    var asksAboutIDs: Bool { true }
    /// Called with the number of lines read, every ``progressInterval`` lines.
    private let progress: @Sendable (Int) -> Void
    static let progressInterval = 16_384

    init(path: String, mode: ImportMode, replica: Bool, rules: DomainRules, timeGuard: TimeGuard = .standard, slotLimit: Int = 1 << 22,
         journalLimit: Int = 1 << 24, progress: @escaping @Sendable (Int) -> Void = { _ in }) throws(ImportError) {
        self.mode = mode
        self.slotLimit = slotLimit
        self.journalLimit = journalLimit
        self.progress = progress
        var keepRaw = false
        if case .keepValid = mode { keepRaw = true }
        preparer = LinePreparer(rules: rules, replica: replica, keepRaw: keepRaw, timeGuard: replica ? nil : timeGuard)
        reader = try LineReader(path: path)
        var info = stat()
        estimatedBytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit {
        pipeline?.cancel()
        if let rejects { fclose(rejects) }
    }

    func rewind() throws {
        pipeline?.cancel()
        try reader.rewind()
        pipeline = LinePipeline(reader: reader, preparer: preparer)
        batch = nil
        slots = StreamSlotTable()
        lifecycles = []
        tops = []
        journal = EffectiveJournal()
        summary = ImportSummary()
        if case .keepValid(let rejectsPath) = mode {
            if let rejects { fclose(rejects) }
            guard let file = fopen(rejectsPath, "w") else {
                throw ImportError("cannot write the rejects file \(rejectsPath): \(String(cString: strerror(errno)))")
            }
            rejects = file
        }
    }

    func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent? {
        while true {
            guard let batch, let prepared = batch.take() else {
                guard let next = pipeline?.take() else { return nil }
                batch = next
                continue
            }
            let raw = prepared.raw.map(batch.bytes)
            let id = batch.bytes(prepared.id), stream = batch.bytes(prepared.stream)
            let type = batch.bytes(prepared.type), payload = batch.bytes(prepared.payload)
            switch prepared.kind {
            case .failed(let index):
                throw batch.failures[index]
            case .rejected(let index):
                summary.lines += 1
                try reject(batch.rejections[index], raw)
            case .catalog:
                guard try admit(line: prepared.line, raw: raw, { try !isDuplicate(id: id, stream: stream, type: type, payload: payload, lookup) }) else { continue }
                summary.catalogEntries += 1
                return try handOver(prepared, batch, slot: slots.slot(of: stream, hash: prepared.streamHash), lifecycle: Lifecycle(), top: -1, lookup)
            case .event, .void:
                let known = slots.slot(of: stream, hash: prepared.streamHash)
                var lifecycle = Lifecycle()
                var top: Int32 = -1
                guard try admit(line: prepared.line, raw: raw, {
                    if try isDuplicate(id: id, stream: stream, type: type, payload: payload, lookup) { return false }
                    (lifecycle, top) = try known.map { (lifecycles[$0], tops[$0]) } ?? storedLifecycle(stream, lookup)
                    switch prepared.kind {
                    case .void(let index):
                        (lifecycle, top) = try self.void(batch.voids[index], stream: stream, lifecycle: lifecycle, top: top, lookup)
                    case .event(let eventType, let at):
                        try lifecycle.check(eventType, at: at, id: String(decoding: id, as: UTF8.self), dossier: String(decoding: stream, as: UTF8.self))
                        lifecycle.advance(eventType, at: at)
                        top = journal.push(EffectiveEvent(version: lifecycle.version, type: eventType, at: at), after: top)
                    default:
                        break
                    }
                    return true
                }) else { continue }
                summary.appended += 1
                return try handOver(prepared, batch, slot: known, lifecycle: lifecycle, top: top, lookup)
            }
        }
    }

    /// Checks a correction against the dossier's effective events (events.md rule 7) and
    /// returns the lifecycle and journal top after it.
    private func void(_ event: DossierEvent, stream: UnsafeRawBufferPointer, lifecycle: Lifecycle, top: Int32,
                      _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> (Lifecycle, Int32) {
        guard case .voided(let void) = event.body else { preconditionFailure("a prepared void is a voided event") }
        var effective = journal.effective(from: top)
        var targetType: EventType?
        var targetIndex: Int?
        var target = void.target
        let found = try target.withUTF8 { bytes in try lookup(.event(id: UnsafeRawBufferPointer(bytes))) }
        if case .event(let record?) = found, record.stream.name.utf8.elementsEqual(stream) {
            targetType = EventType(wireName: record.type)
            targetIndex = effective.lastIndex { $0.version == Int(record.version.rawValue) }
        }
        let index = try Corrections.check(event, targetType: targetType, targetIndex: targetIndex, effective: effective)
        effective.remove(at: index)
        return (Lifecycle(effective: effective, version: lifecycle.version + 1), journal.replace(from: top, with: effective))
    }

    /// An admitted line as the store takes it. A stream new to this load gets its slot only now,
    /// so that slots count the streams handed over; `lifecycle` is the stream's after the line.
    /// Past ``slotLimit`` streams (or ``journalLimit`` journal nodes), the store and this source
    /// start their slots again.
    private func handOver(_ prepared: PreparedLine, _ batch: PreparedBatch, slot known: Int?, lifecycle: Lifecycle, top: Int32,
                          _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent {
        let stream = batch.bytes(prepared.stream)
        if known == nil && (slots.count >= slotLimit || journal.count >= journalLimit) {
            _ = try lookup(.restartSlots)
            slots = StreamSlotTable()
            lifecycles.removeAll(keepingCapacity: true)
            tops.removeAll(keepingCapacity: true)
            // The store wrote what it collected: dossiers met from now on are read back from it.
            journal = EffectiveJournal()
        }
        let slot = known ?? slots.slot(assigning: stream, hash: prepared.streamHash)
        if slot == lifecycles.count {
            lifecycles.append(lifecycle)
            tops.append(top)
        } else if known != nil {
            lifecycles[slot] = lifecycle
            tops[slot] = top
        }
        return BulkEvent(id: batch.bytes(prepared.id), stream: stream, type: batch.bytes(prepared.type), payload: batch.bytes(prepared.payload),
                         streamSlot: slot, replica: prepared.replica, isKnownNew: true)
    }

    /// Counts a line and runs the store-side checks: `check` returns false for a repeat (counted
    /// as a duplicate); a rejection it throws is placed at `line` and handled by ``reject(_:_:)``.
    /// Returns whether the line is to be stored.
    private func admit(line: Int, raw: UnsafeRawBufferPointer?, _ check: () throws -> Bool) throws -> Bool {
        summary.lines += 1
        if summary.lines % Self.progressInterval == 0 { progress(summary.lines) }
        do {
            if try check() { return true }
            summary.duplicates += 1
        } catch var rejection as EventRejection {
            rejection.line = line
            try reject(rejection, raw)
        }
        return false
    }

    /// Atomic mode: throws, abandoning the load. Otherwise writes the line to the rejects file
    /// as one JSON object (``RejectedLine``).
    private func reject(_ rejection: EventRejection, _ raw: UnsafeRawBufferPointer?) throws {
        guard case .keepValid = mode else { throw rejection }
        summary.rejected += 1
        guard let rejects else { return }
        fputs(RejectedLine.json(rejection, raw: raw) + "\n", rejects)
    }

    /// Rule 2: an id stored with identical content is a repeat; with other content, an error.
    private func isDuplicate(id: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                             payload: UnsafeRawBufferPointer, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> Bool {
        guard case .event(let stored?) = try lookup(.event(id: id)) else { return false }
        guard stored.stream.name.utf8.elementsEqual(stream), stored.type.utf8.elementsEqual(type), stored.payload.elementsEqual(payload) else {
            throw EventRejection(eventID: String(decoding: id, as: UTF8.self), field: "id",
                                 rule: "an event with this id is already stored (seq \(stored.position)) with other content; ids never change meaning")
        }
        return true
    }

    /// The lifecycle of a dossier from its events already stored, and its effective events
    /// pushed on the journal (the top returned).
    private func storedLifecycle(_ name: UnsafeRawBufferPointer, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> (Lifecycle, Int32) {
        let stream = try StreamID(String(decoding: name, as: UTF8.self))
        guard case .events(let stored) = try lookup(.stream(stream)) else { return (Lifecycle(), -1) }
        var events: [(version: Int, event: DossierEvent)] = []
        for record in stored {
            guard case .dossier(let event) = try Records.decode(record) else { continue }
            events.append((Int(record.version.rawValue), event))
        }
        let effective = Corrections.effective(events)
        let version = events.last?.version ?? 0
        return (Lifecycle(effective: effective, version: version), journal.replace(from: -1, with: effective))
    }

    func closeRejects() {
        if let rejects { fclose(rejects) }
        rejects = nil
    }
}

extension String {
    func replacingNewlines() -> String { String(map { $0.isNewline ? " " : $0 }) }
}

/// The effective events of the dossiers of one import, for checking corrections: one node per
/// event in one array (24 bytes each), each dossier's latest effective node linking back to the
/// one before it. Cleared when the import starts its stream slots again.
struct EffectiveJournal {
    private struct Node {
        var at: Instant
        var previous: Int32
        var version: UInt32
        var type: EventType
    }

    private var nodes: [Node] = []

    var count: Int { nodes.count }

    /// Adds `event` after the node `top` (-1: none) and returns its node.
    mutating func push(_ event: EffectiveEvent, after top: Int32) -> Int32 {
        precondition(nodes.count < Int(Int32.max), "an import's journal holds fewer than 2^31 events between slot restarts")
        nodes.append(Node(at: event.at, previous: top, version: UInt32(truncatingIfNeeded: event.version), type: event.type))
        return Int32(nodes.count - 1)
    }

    /// The effective events ending at node `top`, oldest first.
    func effective(from top: Int32) -> [EffectiveEvent] {
        var events: [EffectiveEvent] = []
        var index = top
        while index >= 0 {
            let node = nodes[Int(index)]
            events.append(EffectiveEvent(version: Int(node.version), type: node.type, at: node.at))
            index = node.previous
        }
        return events.reversed()
    }

    /// Replaces the effective events ending at `top` by `events` (a correction removed one):
    /// the nodes they share at the start are kept. Returns the new top.
    mutating func replace(from top: Int32, with events: [EffectiveEvent]) -> Int32 {
        var chain: [Int32] = []
        var index = top
        while index >= 0 {
            chain.append(index)
            index = nodes[Int(index)].previous
        }
        chain.reverse()
        var kept: Int32 = -1
        var shared = 0
        while shared < min(chain.count, events.count), Int(nodes[Int(chain[shared])].version) == events[shared].version {
            kept = chain[shared]
            shared += 1
        }
        for event in events[shared...] { kept = push(event, after: kept) }
        return kept
    }
}

/// A rejected line as the rejects file holds it: one JSON object per line, so that `jq` reads
/// the file and a fixed line imports again (`jq -r .text rejects.jsonl > fixed.jsonl`):
/// `line`, `event_id`, `field` and `rule` (null when unknown), `reason` (all of it in words),
/// `text` (the line as read), and `bytes_base64` too when the line was not valid UTF-8.
enum RejectedLine {
    static func json(_ rejection: EventRejection, raw: UnsafeRawBufferPointer?) -> String {
        func optional(_ value: String?) -> String { value.map(jsonString) ?? "null" }
        var out = "{\"line\":\(rejection.line.map(String.init) ?? "null"),\"event_id\":\(optional(rejection.eventID)),"
            + "\"field\":\(optional(rejection.field)),\"rule\":\(jsonString(rejection.rule.description)),\"reason\":\(jsonString(rejection.description))"
        if let raw {
            out += ",\"text\":\(jsonString(String(decoding: raw, as: UTF8.self)))"
            if String(validating: raw, as: UTF8.self) == nil { out += ",\"bytes_base64\":\(jsonString(Data(raw).base64EncodedString()))" }
        }
        return out + "}"
    }
}
