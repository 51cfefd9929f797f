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
    /// recomputed on its own. `write` receives the lines in order, in chunks of whole lines, each
    /// ending with a newline. Returns the number of lines.
    ///
    /// The log is read 8,192 records at a time, the next batch while this one is formatted on
    /// every core.
    @discardableResult
    public func export(dossier: String? = nil, from start: GlobalPosition = .first, through end: GlobalPosition? = nil,
                       chunks write: ([UInt8]) throws -> Void) async throws -> Int {
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
            for chunk in try Self.chunks(batch, previous: previous) { try write(chunk) }
            count += batch.count
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
        let limit = 8192
        var batch = try await store.readAll(from: start, limit: limit)
        while true {
            let wanted = end.map { end in batch.filter { $0.position <= end } } ?? batch
            let more = wanted.count == batch.count && batch.count == limit
            let next = batch.last?.position.next ?? start
            async let following = more ? store.readAll(from: next, limit: limit) : []
            try await emit(wanted)
            guard more else { return count }
            batch = try await following
        }
    }

    /// ``export(dossier:from:through:chunks:)`` a line at a time (without its newline).
    @discardableResult
    public func export(dossier: String? = nil, from start: GlobalPosition = .first, through end: GlobalPosition? = nil,
                       to write: (String) throws -> Void) async throws -> Int {
        try await export(dossier: dossier, from: start, through: end) { (chunk: [UInt8]) in
            for line in chunk.split(separator: UInt8(ascii: "\n")) { try write(String(decoding: line, as: UTF8.self)) }
        }
    }

    /// The export lines of `records` (with `previous` hashes when given), each ending with a
    /// newline, formatted in as many chunks as the machine has cores.
    private static func chunks(_ records: [RecordedEvent], previous: [EventHash?]) throws -> [[UInt8]] {
        let slices = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, records.count / 256))
        let results = Mutex([[UInt8]](repeating: [], count: slices))
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = records.count * slice / slices..<records.count * (slice + 1) / slices
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count * 320)
            do {
                for index in range {
                    let record = records[index]
                    let exported = Records.exported(record, previous: previous.isEmpty ? nil : previous[index])
                    switch try Records.decode(record) {
                    case .dossier(let event): event.writeJSONLine(exported: exported, to: &bytes)
                    case .catalog(let entry): entry.writeExportLine(id: record.id.value, exported: exported, to: &bytes)
                    }
                    bytes.append(UInt8(ascii: "\n"))
                }
                results.withLock { $0[slice] = bytes }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }
    }
}
