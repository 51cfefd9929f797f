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
    private let mode: ImportMode
    private let preparer: LinePreparer
    private let reader: LineReader
    private var pipeline: LinePipeline?
    private var batch: PreparedBatch?
    private var rejects: UnsafeMutablePointer<FILE>?
    private var lifecycles: [StreamID: Lifecycle] = [:]
    private(set) var summary = ImportSummary()
    let estimatedBytes: Int
    /// Called with the number of lines read, every ``progressInterval`` lines.
    private let progress: @Sendable (Int) -> Void
    static let progressInterval = 16_384

    init(path: String, mode: ImportMode, replica: Bool, rules: DomainRules, progress: @escaping @Sendable (Int) -> Void = { _ in }) throws(ImportError) {
        self.mode = mode
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
        lifecycles = [:]
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
            guard let prepared = batch?.take() else {
                guard let next = pipeline?.take() else { return nil }
                batch = next
                continue
            }
            do {
                switch prepared {
                case .blank:
                    continue
                case .failed(let error):
                    throw error
                case .rejected(let rejection, let raw):
                    summary.lines += 1
                    try reject(rejection, raw)
                case .catalog(let line, let stream, let proposed, let replica, let raw):
                    guard try admit(line: line, raw: raw, { try !isDuplicate(proposed, in: stream, lookup) }) else { continue }
                    summary.catalogEntries += 1
                    return BulkEvent(stream: stream, event: proposed, replica: replica, isKnownNew: true)
                case .event(let line, let event, let stream, let proposed, let replica, let raw):
                    guard try admit(line: line, raw: raw, {
                        if try isDuplicate(proposed, in: stream, lookup) { return false }
                        // One lookup in the dictionary, reused for the update.
                        if let slot = lifecycles.index(forKey: stream) {
                            try lifecycles.values[slot].check(event)
                            lifecycles.values[slot].advance(event)
                        } else {
                            var lifecycle = try storedLifecycle(stream, lookup)
                            try lifecycle.check(event)
                            lifecycle.advance(event)
                            lifecycles[stream] = lifecycle
                        }
                        return true
                    }) else { continue }
                    summary.appended += 1
                    return BulkEvent(stream: stream, event: proposed, replica: replica, isKnownNew: true)
                }
            }
        }
    }

    /// Counts a line and runs the store-side checks: `check` returns false for a repeat (counted
    /// as a duplicate); a rejection it throws is placed at `line` and handled by ``reject(_:_:)``.
    /// Returns whether the line is to be stored.
    private func admit(line: Int, raw: [UInt8]?, _ check: () throws -> Bool) throws -> Bool {
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
    private func reject(_ rejection: EventRejection, _ raw: [UInt8]?) throws {
        guard case .keepValid = mode else { throw rejection }
        summary.rejected += 1
        guard let rejects else { return }
        fputs("# \(rejection.description.replacingNewlines())\n", rejects)
        if let raw { fwrite(raw, 1, raw.count, rejects) }
        fputs("\n", rejects)
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

    /// The store's indexes now hold every event handed over: lifecycles can be read back from
    /// them when needed, so forget them (memory stays bounded by the store's flush interval).
    func storeFlushed() {
        lifecycles.removeAll(keepingCapacity: true)
    }

    func closeRejects() {
        if let rejects { fclose(rejects) }
        rejects = nil
    }
}

extension String {
    func replacingNewlines() -> String { String(map { $0.isNewline ? " " : $0 }) }
}
