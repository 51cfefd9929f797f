import DossierDomain
import Foundation
public import EventLog

extension DossierLedger {
    /// Writes the log (or one dossier, or a seq range) as JSON Lines with seq, version, recorded
    /// and hash; catalog entries too (a replica needs them: they are in the chain). An export of
    /// part of the log (one dossier, or a range after seq 1) also gives each line
    /// `previous_hash`, the hash of the event before it in the log, so that each record can be
    /// recomputed on its own. `write` receives the lines in order, in chunks of whole lines, each
    /// ending with a newline. Returns the number of lines.
    ///
    /// The log (as of the export's start) is cut into slices of 16,384 records, each decoded and
    /// formatted in place in the store (no copy of a record), one slice per core at a time and a
    /// slice more, and written in order.
    @discardableResult
    public func export(dossier: String? = nil, from start: GlobalPosition = .first, through end: GlobalPosition? = nil,
                       chunks write: ([UInt8]) throws -> Void) async throws -> Int {
        if let dossier { return try await export(dossier: dossier, from: start, through: end, chunks: write) }
        guard let head = try await store.head()?.position else { return 0 }
        let last = min(end ?? head, head).rawValue
        guard start.rawValue <= last else { return 0 }
        let size: UInt64 = 16_384
        let slices = (last - start.rawValue) / size + 1
        let width = UInt64(max(1, ProcessInfo.processInfo.activeProcessorCount) + 1)
        return try await withThrowingTaskGroup(of: (UInt64, ExportSlice).self) { group in
            var (launched, written, count) = (UInt64(0), UInt64(0), 0)
            var finished: [UInt64: ExportSlice] = [:]  // out of order, waiting for the slices before them
            func launch() {
                let first = start.rawValue + launched * size
                let range = GlobalPosition(first)...GlobalPosition(min(first + size - 1, last))
                let index = launched
                group.addTask { (index, try await self.exportSlice(range, previousHashes: start > .first)) }
                launched += 1
            }
            while launched < min(slices, width) { launch() }
            while let (index, slice) = try await group.next() {
                finished[index] = slice
                while let next = finished.removeValue(forKey: written) {
                    try write(next.bytes)
                    (count, written) = (count + next.lines, written + 1)
                    if launched < slices { launch() }
                }
            }
            return count
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

    /// One dossier's events in `start...end`, each with the hash of the event before it in the log.
    private func export(dossier: String, from start: GlobalPosition, through end: GlobalPosition?,
                        chunks write: ([UInt8]) throws -> Void) async throws -> Int {
        var next = StreamVersion(1)
        var count = 0
        while true {
            let batch = try await store.read(stream: StreamID(dossier), from: next, direction: .forward, limit: 1024)
            var bytes: [UInt8] = []
            for record in batch where record.position >= start && end.map({ record.position <= $0 }) ?? true {
                var previous = EventHash.zero
                if record.position > .first {
                    let before = GlobalPosition(record.position.rawValue - 1)
                    previous = try await store.reduceRecords(in: before...before, into: previous) { hash, record in hash = record.hash }
                }
                Self.appendLine(try Records.decode(record), id: record.id.value,
                                Records.exported(record.position, record.version, record.recorded, record.hash, previous: previous), to: &bytes)
                count += 1
            }
            if !bytes.isEmpty { try write(bytes) }
            guard let last = batch.last else { return count }
            next = last.version.next
        }
    }

    /// The export lines of the records in `range`, formatted in place in the store; with
    /// `previousHashes`, each with the hash of the record before it (read from the record
    /// before the range for the first).
    private func exportSlice(_ range: ClosedRange<GlobalPosition>, previousHashes: Bool) async throws -> ExportSlice {
        var slice = ExportSlice()
        slice.bytes.reserveCapacity(Int(range.upperBound.rawValue - range.lowerBound.rawValue + 1) * 320)
        let from = previousHashes ? GlobalPosition(range.lowerBound.rawValue - 1) : range.lowerBound
        return try await store.reduceRecords(in: from...range.upperBound, into: slice) { slice, record in
            defer { if previousHashes { slice.previous = record.hash } }
            guard record.position >= range.lowerBound else { return }
            let exported = Records.exported(record.position, record.version, record.recorded, record.hash, previous: slice.previous)
            Self.appendLine(try Records.decode(record), id: record.idValue, exported, to: &slice.bytes)
            slice.lines += 1
        }
    }

    /// Appends the export line of `item` (stored under `id`: a catalog entry's id as recorded) and a newline.
    private static func appendLine(_ item: LoggedItem, id: @autoclosure () -> String, _ exported: ExportedFields, to bytes: inout [UInt8]) {
        switch item {
        case .dossier(let event): event.writeJSONLine(exported: exported, to: &bytes)
        case .catalog(let entry): entry.writeExportLine(id: id(), exported: exported, to: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
    }
}

/// Export lines of a slice of the log, formatted in the store.
private struct ExportSlice: Sendable {
    var bytes: [UInt8] = []
    var lines = 0
    /// The hash of the last record read, for the next line's `previous_hash`.
    var previous: EventHash?
}
