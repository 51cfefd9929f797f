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
/// It keeps one small ``Lifecycle`` per dossier it meets, so memory grows with dossiers, not
/// lines. It must be pulled on one thread at a time (the store's writer).
final class JSONLinesImport: BulkEventSource, @unchecked Sendable {
    private let path: String
    private let mode: ImportMode
    private let replica: Bool
    private let initialRules: DomainRules
    private var rules: DomainRules
    private let reader: LineReader
    private var rejects: UnsafeMutablePointer<FILE>?
    private var lifecycles: [String: Lifecycle] = [:]
    private(set) var summary = ImportSummary()
    private var lineNumber = 0
    let estimatedBytes: Int
    var usesLookups: Bool { true }

    init(path: String, mode: ImportMode, replica: Bool, rules: DomainRules) throws(ImportError) {
        self.path = path
        self.mode = mode
        self.replica = replica
        initialRules = rules
        self.rules = rules
        reader = try LineReader(path: path)
        var info = stat()
        estimatedBytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { if let rejects { fclose(rejects) } }

    func rewind() throws {
        try reader.rewind()
        rules = initialRules
        lifecycles = [:]
        summary = ImportSummary()
        lineNumber = 0
        if case .keepValid(let rejectsPath) = mode {
            if let rejects { fclose(rejects) }
            guard let file = fopen(rejectsPath, "w") else {
                throw ImportError("cannot write the rejects file \(rejectsPath): \(String(cString: strerror(errno)))")
            }
            rejects = file
        }
    }

    private enum LineOutcome {
        case blank, skipped
        case event(BulkEvent)
        case rejected(EventRejection)
    }

    func next(_ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent? {
        while true {
            let outcome: LineOutcome? = try reader.nextLine { bytes in
                lineNumber += 1
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { return .blank }
                summary.lines += 1
                do {
                    return try take(bytes, lookup).map(LineOutcome.event) ?? .skipped
                } catch let rejection as EventRejection {
                    var located = rejection
                    located.line = lineNumber
                    if case .keepValid = mode { writeReject(bytes, located) }
                    return .rejected(located)
                }
            }
            switch outcome {
            case nil: return nil  // end of file
            case .blank?, .skipped?: continue  // blank line, or a duplicate
            case .event(let event)?: return event
            case .rejected(let rejection)?:
                if case .atomic = mode { throw rejection }
                summary.rejected += 1
            }
        }
    }

    /// Checks one line; returns the event to store, or nil for a duplicate.
    private func take(_ bytes: UnsafeBufferPointer<UInt8>, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> BulkEvent? {
        switch try LogLine.parse(line: bytes, number: lineNumber) {
        case .catalog(let entry, let id, let exported):
            let (stream, proposed) = try Records.proposed(entry)
            guard id == entry.id else {
                throw EventRejection(eventID: id, field: "id", rule: "a catalog entry's id is \(entry.id)")
            }
            if try isDuplicate(proposed, in: stream, lookup) { summary.duplicates += 1; return nil }
            do { try entry.apply(to: &rules) } catch { throw EventRejection(eventID: id, field: "entry", rule: error.description) }
            summary.catalogEntries += 1
            return BulkEvent(stream: stream, event: proposed, replica: try replicaFields(exported, id: id))
        case .event(let parsed):
            let event = parsed.event
            try checkCatalogs(event)
            let (stream, proposed) = try Records.proposed(event)
            if try isDuplicate(proposed, in: stream, lookup) { summary.duplicates += 1; return nil }
            var lifecycle = try lifecycles[event.dossier] ?? storedLifecycle(stream, lookup)
            try lifecycle.check(event)
            lifecycle.advance(event)
            lifecycles[event.dossier] = lifecycle
            summary.appended += 1
            return BulkEvent(stream: stream, event: proposed, replica: try replicaFields(parsed.exported, id: event.id))
        }
    }

    private func replicaFields(_ exported: ExportedFields?, id: String) throws(EventRejection) -> ReplicaFields? {
        guard replica else { return nil }
        guard let exported else {
            throw EventRejection(eventID: id, field: "seq", rule: "a replica import needs seq, version, recorded and hash on every line (an export)")
        }
        return try Records.replica(exported, line: lineNumber, id: id)
    }

    /// Rule 2: an id stored with identical content is a repeat; with other content, an error.
    private func isDuplicate(_ event: ProposedEvent, in stream: StreamID, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> Bool {
        guard case .event(let stored?) = try lookup(.event(event.id)) else { return false }
        guard stored.stream == stream, stored.type == event.type, stored.payload == event.payload else {
            throw EventRejection(eventID: event.id.value, field: "id",
                                 rule: "an event with this id is already stored (seq \(stored.position)) with other content; ids never change meaning")
        }
        return true
    }

    /// The lifecycle of a dossier from its events already stored.
    private func storedLifecycle(_ stream: StreamID, _ lookup: (BulkLookup) throws -> BulkLookupResult) throws -> Lifecycle {
        var lifecycle = Lifecycle()
        guard case .events(let stored) = try lookup(.stream(stream)) else { return lifecycle }
        for record in stored {
            guard case .dossier(let event) = try Records.decode(record) else { continue }
            lifecycle.advance(event)
        }
        return lifecycle
    }

    /// Rule 5: procedures in force on the receipt date; units known and valid on the event's
    /// date (for `deadline_missed`, on its due's date), when a unit catalog is loaded.
    private func checkCatalogs(_ event: DossierEvent) throws(EventRejection) {
        let catalog = rules.catalog
        func unit(_ code: String?, _ field: String, on date: LocalDate) throws(EventRejection) {
            guard let code, catalog.hasUnits else { return }
            guard catalog.unit(code, on: date) != nil else {
                let known = catalog.units[code] != nil
                throw EventRejection(eventID: event.id, field: field,
                                     rule: known ? "unit \(code) is not valid on \(date)" : "unit \(code) is not in the unit catalog")
            }
        }
        let date = event.at.localDate
        try unit(event.unit, "unit", on: event.type == .deadlineMissed ? eventDueDate(event) : date)
        switch event.body {
        case .received(let r):
            guard catalog.procedure(r.procedure, on: date) != nil else {
                let rule = !catalog.hasProcedures ? "no procedure catalog is loaded; load it first (dossier import --catalog procedures FILE)"
                    : catalog.procedures[r.procedure] != nil ? "procedure \(r.procedure) is not in force on \(date)"
                    : "procedure \(r.procedure) is not in the procedure catalog"
                throw EventRejection(eventID: event.id, field: "procedure", rule: rule)
            }
            try unit(r.competentUnit, "competent_unit", on: date)
        case .forwarded(let f): try unit(f.toUnit, "to_unit", on: date)
        case .deadlineMissed(let d): try unit(d.holderUnit, "holder_unit", on: d.due.localDate)
        case .apologyIssued(let a): try unit(a.responsibleUnit, "responsible_unit", on: date)
        default: break
        }
    }

    private func eventDueDate(_ event: DossierEvent) -> LocalDate {
        if case .deadlineMissed(let d) = event.body { return d.due.localDate }
        return event.at.localDate
    }

    private func writeReject(_ bytes: UnsafeBufferPointer<UInt8>, _ rejection: EventRejection) {
        guard let rejects else { return }
        fputs("# \(rejection.description.replacingNewlines())\n", rejects)
        fwrite(bytes.baseAddress, 1, bytes.count, rejects)
        fputs("\n", rejects)
    }

    func closeRejects() {
        if let rejects { fclose(rejects) }
        rejects = nil
    }
}

extension String {
    func replacingNewlines() -> String { String(map { $0.isNewline ? " " : $0 }) }
}
