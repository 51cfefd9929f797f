import DossierDomain
import EventLog
import Foundation

/// One line, parsed and checked as far as it can be without the store: shape, catalogs, the
/// stored encoding. What is left (ids already stored, the dossier's lifecycle) is checked by
/// the store's writer. Its bytes (id, stream, type, payload, the raw line) are in its
/// ``PreparedBatch``'s arena, so a line costs the writer no strings or arrays to take and free.
struct PreparedLine {
    enum Kind {
        case event(EventType, at: Instant)
        /// A correction: checked against the dossier's effective events by the writer's side;
        /// the event is the batch's ``PreparedBatch/voids`` at this index (rare: kept out of
        /// every line's size).
        case void(Int)
        case catalog
        /// A line refused by the parser: the batch's rejection at this index.
        case rejected(Int)
        /// The file could not be read on: the batch's failure at this index.
        case failed(Int)
    }

    let kind: Kind
    let line: Int
    var id = 0..<0, stream = 0..<0, type = 0..<0, payload = 0..<0
    /// FNV-1a 64 of the stream's name (``StreamID/nameHash``), for the writer's slot table.
    var streamHash: UInt64 = 0
    var replica: ReplicaFields?
    /// The line as read, kept for the rejects file.
    var raw: Range<Int>?
}

/// Prepares lines on a thread of its own while the store's writer takes them, so parsing
/// (most of an import's work) runs on one core and storing on the other. Bounded: at most
/// `depth` batches wait, so memory does not grow with the file.
final class LinePipeline: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var batches: [PreparedBatch] = []
    private var finished = false
    private var cancelled = false
    private var running = true
    private let depth = 8
    private let batchSize = 2048

    /// Starts preparing the lines of `reader` (from its current position).
    init(reader: LineReader, preparer: LinePreparer) {
        let thread = Thread { [self] in self.produce(reader: reader, preparer: preparer) }
        thread.name = "dossier-import-parser"
        thread.start()
    }

    private func produce(reader: LineReader, preparer: LinePreparer) {
        defer {
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        var preparer = preparer
        var batch = PreparedBatch(capacity: batchSize)
        var line = 0
        do {
            while try reader.nextLine({ (bytes) -> Bool in
                line += 1
                preparer.prepare(bytes, line: line, into: batch)
                return true
            }) != nil {
                if batch.isFull {
                    guard put(batch) else { return }
                    batch = PreparedBatch(capacity: batchSize)
                }
            }
        } catch let error as ImportError {
            batch.fail(error, line: line)
        } catch {
            batch.fail(ImportError("\(error)"), line: line)
        }
        if put(batch) { finish() }
    }

    /// Queues a batch, waiting while the queue is full; false when cancelled.
    private func put(_ batch: PreparedBatch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= depth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    private func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for it; nil at the end of the file.
    func take() -> PreparedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        condition.broadcast()
        return batches.removeFirst()
    }

    /// Stops the producer and waits until it has let go of the reader.
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}

/// A batch of prepared lines: the parser fills it, then the writer takes the lines one by
/// one. Their bytes are in one arena, so a batch is a handful of allocations, whatever its lines.
final class PreparedBatch: @unchecked Sendable {
    let arena = ByteArena(capacity: 1 << 19)
    private var lines: [PreparedLine] = []
    private(set) var rejections: [EventRejection] = []
    private(set) var failures: [ImportError] = []
    private(set) var voids: [DossierEvent] = []
    private let capacity: Int
    private var taken = 0

    init(capacity: Int) {
        self.capacity = capacity
        lines.reserveCapacity(capacity)
    }

    var isFull: Bool { lines.count >= capacity }

    func append(_ line: PreparedLine) { lines.append(line) }

    func reject(_ rejection: EventRejection, raw: Range<Int>?, line: Int) {
        rejections.append(rejection)
        lines.append(PreparedLine(kind: .rejected(rejections.count - 1), line: line, raw: raw))
    }

    /// Keeps a correction's event for the writer; returns its index.
    func keep(void event: DossierEvent) -> Int {
        voids.append(event)
        return voids.count - 1
    }

    func fail(_ failure: ImportError, line: Int) {
        failures.append(failure)
        lines.append(PreparedLine(kind: .failed(failures.count - 1), line: line))
    }

    /// The next line; nil once all were taken.
    func take() -> PreparedLine? {
        guard taken < lines.count else { return nil }
        defer { taken += 1 }
        return lines[taken]
    }

    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer { arena.bytes(range) }
}

/// The store-independent checks of one line.
struct LinePreparer: Sendable {
    var rules: DomainRules
    let replica: Bool
    let keepRaw: Bool
    /// Rule 6; nil for a replica import, which reproduces the exported `recorded`.
    let timeGuard: TimeGuard?

    /// Parses and checks one line and adds it to `batch` (a blank line adds nothing).
    mutating func prepare(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, into batch: PreparedBatch) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { return }
        let raw = keepRaw ? batch.arena.append(bytes) : nil
        do {
            switch try LogLine.parse(line: bytes, number: line) {
            case .catalog(let entry, let id, let exported):
                guard id == entry.id else {
                    throw EventRejection(eventID: id, field: "id", rule: "a catalog entry's id is \(entry.id)")
                }
                do { try entry.apply(to: &rules) } catch { throw EventRejection(eventID: id, field: "entry", rule: "\(error)") }
                let (stream, proposed) = try Records.proposed(entry)
                batch.append(store(.catalog, line: line, stream, proposed, replica: try replicaFields(exported, id: id, line: line), raw: raw, batch))
            case .event(let parsed):
                try timeGuard?.check(parsed.event)
                try CatalogChecks.check(parsed.event, against: rules.catalog)
                let (stream, proposed) = try Records.proposed(parsed.event)
                let kind: PreparedLine.Kind = parsed.event.type == .voided ? .void(batch.keep(void: parsed.event)) : .event(parsed.event.type, at: parsed.event.at)
                batch.append(store(kind, line: line, stream, proposed,
                                   replica: try replicaFields(parsed.exported, id: parsed.event.id, line: line), raw: raw, batch))
            }
        } catch var rejection as EventRejection {
            rejection.line = line
            batch.reject(rejection, raw: raw, line: line)
        } catch {
            // Records.proposed refuses only what the parser already refused; keep the line anyway.
            batch.reject(EventRejection(line: line, rule: "\(error)"), raw: raw, line: line)
        }
    }

    /// The line with its bytes copied into the batch's arena.
    private func store(_ kind: PreparedLine.Kind, line: Int, _ stream: StreamID, _ event: ProposedEvent, replica: ReplicaFields?,
                       raw: Range<Int>?, _ batch: PreparedBatch) -> PreparedLine {
        var prepared = PreparedLine(kind: kind, line: line, streamHash: stream.nameHash, replica: replica, raw: raw)
        prepared.id = batch.arena.append(event.id.value.utf8)
        prepared.stream = batch.arena.append(stream.name.utf8)
        prepared.type = batch.arena.append(event.type.utf8)
        prepared.payload = batch.arena.append(event.payload)
        return prepared
    }

    private func replicaFields(_ exported: ExportedFields?, id: String, line: Int) throws(EventRejection) -> ReplicaFields? {
        guard replica else { return nil }
        guard let exported else {
            throw EventRejection(eventID: id, field: "seq", rule: "a replica import needs seq, version, recorded and hash on every line (an export)")
        }
        return try Records.replica(exported, line: line, id: id)
    }
}

/// Rule 5 of events.md: procedures in force on the receipt date; units known and valid on the
/// event's date (for `deadline_missed`, on its due's date), when a unit catalog is loaded.
enum CatalogChecks {
    static func check(_ event: DossierEvent, against catalog: Catalog) throws(EventRejection) {
        func unit(_ code: String?, _ field: String, on date: LocalDate) throws(EventRejection) {
            guard let code, catalog.hasUnits else { return }
            guard catalog.unit(code, on: date) != nil else {
                let known = catalog.units[code] != nil
                throw EventRejection(eventID: event.id, field: field,
                                     rule: known ? "unit \(code) is not valid on \(date)" : "unit \(code) is not in the unit catalog")
            }
        }
        let date = event.at.localDate
        switch event.body {
        case .received(let r):
            try unit(event.unit, "unit", on: date)
            guard catalog.procedure(r.procedure, on: date) != nil else {
                let rule: Phrase = !catalog.hasProcedures ? "no procedure catalog is loaded; load it first (dossier import --catalog procedures FILE)"
                    : catalog.procedures[r.procedure] != nil ? "procedure \(r.procedure) is not in force on \(date)"
                    : "procedure \(r.procedure) is not in the procedure catalog"
                throw EventRejection(eventID: event.id, field: "procedure", rule: rule)
            }
            try unit(r.competentUnit, "competent_unit", on: date)
        case .forwarded(let f):
            try unit(event.unit, "unit", on: date)
            try unit(f.toUnit, "to_unit", on: date)
        case .deadlineMissed(let d):
            try unit(event.unit, "unit", on: d.due.localDate)
            try unit(d.holderUnit, "holder_unit", on: d.due.localDate)
        case .apologyIssued(let a):
            try unit(event.unit, "unit", on: date)
            try unit(a.responsibleUnit, "responsible_unit", on: date)
        default:
            try unit(event.unit, "unit", on: date)
        }
    }
}
