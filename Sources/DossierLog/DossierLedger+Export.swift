public import DossierDomain
import Dispatch
import Foundation
public import EventLog
import Synchronization

extension DossierLedger {
    /// Writes the log (or one dossier, or a seq range) as JSON Lines with seq, version, recorded
    /// and hash; catalog entries too (a replica needs them: they are in the chain). An export of
    /// part of the log (one dossier, or a range after seq 1) also gives each line
    /// `previous_hash`, the hash of the event before it in the log, so that each record can be
    /// recomputed on its own. Returns the number of lines.
    ///
    /// The log is read 8,192 records at a time; each batch's lines are formatted on every core
    /// and written in order.
    @discardableResult
    public func export(dossier: String? = nil, from start: GlobalPosition = .first, through end: GlobalPosition? = nil,
                       to write: (String) throws -> Void) async throws -> Int {
        let partial = dossier != nil || start > .first
        var count = 0
        var last: RecordedEvent?
        /// Writes a batch of records in seq order; `previous_hash` for a part of the log.
        func emit(_ batch: [RecordedEvent]) async throws {
            var previous: [EventHash?] = []
            if partial {
                for record in batch {
                    if let last, last.position.next == record.position {
                        previous.append(last.hash)
                    } else if record.position > .first {
                        previous.append(try await store.readAll(from: GlobalPosition(record.position.rawValue - 1), limit: 1).first?.hash)
                    } else {
                        previous.append(.zero)
                    }
                    last = record
                }
            }
            for line in try Self.lines(batch, previous: previous) { try write(line) }
            count += batch.count
            last = batch.last
        }
        if let dossier {
            var next = StreamVersion(1)
            while true {
                let batch = try await store.read(stream: StreamID(dossier), from: next, direction: .forward, limit: 1024)
                try await emit(batch.filter { record in record.position >= start && end.map { record.position <= $0 } ?? true })
                guard let last = batch.last else { return count }
                next = last.version.next
            }
        }
        var next = start
        while true {
            let batch = try await store.readAll(from: next, limit: 8192)
            let wanted = end.map { end in batch.filter { $0.position <= end } } ?? batch
            try await emit(wanted)
            guard wanted.count == batch.count, let last = batch.last else { return count }
            next = last.position.next
        }
    }

    /// The export lines of `records` (with `previous` hashes when given), formatted in as many
    /// slices as the machine has cores.
    private static func lines(_ records: [RecordedEvent], previous: [EventHash?]) throws -> [String] {
        let slices = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, records.count / 256))
        let results = Mutex([[String]](repeating: [], count: slices))
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = records.count * slice / slices..<records.count * (slice + 1) / slices
            do {
                let lines = try range.map { index in
                    let record = records[index]
                    let exported = Records.exported(record, previous: previous.isEmpty ? nil : previous[index])
                    return switch try Records.decode(record) {
                    case .dossier(let event): event.jsonLine(exported: exported)
                    case .catalog(let entry): entry.exportLine(id: record.id.value, exported: exported)
                    }
                }
                results.withLock { $0[slice] = lines }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0.flatMap { $0 } }
    }
}
