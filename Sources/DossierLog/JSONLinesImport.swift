import DossierDomain
public import EventLog
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
    /// The store's stream slots (``BulkEvent/streamSlot``), and each slot's lifecycle.
    private var slots = StreamSlotTable()
    private var lifecycles: [Lifecycle] = []
    /// More streams than this and the slots start again (the store and this source forget
    /// what they kept per stream), so memory stays bounded whatever the number of dossiers.
    let slotLimit: Int
    private(set) var summary = ImportSummary()
    let estimatedBytes: Int
    /// Called with the number of lines read, every ``progressInterval`` lines.
    private let progress: @Sendable (Int) -> Void
    static let progressInterval = 16_384

    init(path: String, mode: ImportMode, replica: Bool, rules: DomainRules, slotLimit: Int = 1 << 22,
         progress: @escaping @Sendable (Int) -> Void = { _ in }) throws(ImportError) {
        self.mode = mode
        self.slotLimit = slotLimit
        self.progress = progress
        var keepRaw = false
        if case .keepValid = mode { keepRaw = true }
        preparer = LinePreparer(rules: rules, replica: replica, keepRaw: keepRaw)
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
                return try handOver(prepared, batch, slot: slots.slot(of: stream, hash: prepared.streamHash), lifecycle: Lifecycle(), lookup)
            case .event(let eventType, let at):
                let known = slots.slot(of: stream, hash: prepared.streamHash)
                var lifecycle = Lifecycle()
                guard try admit(line: prepared.line, raw: raw, {
                    if try isDuplicate(id: id, stream: stream, type: type, payload: payload, lookup) { return false }
                    lifecycle = try known.map { lifecycles[$0] } ?? storedLifecycle(stream, lookup)
                    try lifecycle.check(eventType, at: at, id: String(decoding: id, as: UTF8.self), dossier: String(decoding: stream, as: UTF8.self))
                    lifecycle.advance(eventType, at: at)
                    return true
                }) else { continue }
                summary.appended += 1
                return try handOver(prepared, batch, slot: known, lifecycle: lifecycle, lookup)
            }
        }
    }

    /// An admitted line as the store takes it. A stream new to this load gets its slot only now,
    /// so that slots count the streams handed over; `lifecycle` is the stream's after the line.
    /// Past ``slotLimit`` streams, the store and this source start their slots again.
    private func handOver(_ prepared: PreparedLine, _ batch: PreparedBatch, slot known: Int?, lifecycle: Lifecycle,
                          _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent {
        let stream = batch.bytes(prepared.stream)
        if known == nil && slots.count >= slotLimit {
            _ = try lookup(.restartSlots)
            slots = StreamSlotTable()
            lifecycles.removeAll(keepingCapacity: true)
        }
        let slot = known ?? slots.slot(assigning: stream, hash: prepared.streamHash)
        if slot == lifecycles.count { lifecycles.append(lifecycle) } else if known != nil { lifecycles[slot] = lifecycle }
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

    /// Atomic mode: throws, abandoning the load. Otherwise writes the line to the rejects file.
    private func reject(_ rejection: EventRejection, _ raw: UnsafeRawBufferPointer?) throws {
        guard case .keepValid = mode else { throw rejection }
        summary.rejected += 1
        guard let rejects else { return }
        fputs("# \(rejection.description.replacingNewlines())\n", rejects)
        if let raw { fwrite(raw.baseAddress, 1, raw.count, rejects) }
        fputs("\n", rejects)
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

    /// The lifecycle of a dossier from its events already stored.
    private func storedLifecycle(_ name: UnsafeRawBufferPointer, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> Lifecycle {
        var lifecycle = Lifecycle()
        let stream = try StreamID(String(decoding: name, as: UTF8.self))
        guard case .events(let stored) = try lookup(.stream(stream)) else { return lifecycle }
        for record in stored {
            guard case .dossier(let event) = try Records.decode(record) else { continue }
            lifecycle.advance(event)
        }
        return lifecycle
    }

    func closeRejects() {
        if let rejects { fclose(rejects) }
        rejects = nil
    }
}

extension String {
    func replacingNewlines() -> String { String(map { $0.isNewline ? " " : $0 }) }
}
