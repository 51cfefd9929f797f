import Dispatch
public import DossierDomain
import LedgerLMDB
import Synchronization

/// The open dossiers' states (the last keys of `by_end`), decoded once per checkpoint of a
/// generation: a dashboard page asks for them a dozen times (late and due-soon lists, the kept
/// counts' open part of every period), and decoding ten thousand states is most of a page.
/// One entry, the latest: a new checkpoint (an event applied) or generation replaces it.
private let openStatesCache = Mutex<(path: String, checkpoint: Checkpoint, states: [DossierState])?>(nil)

extension StoredProjection where P == DossierProjection {
    /// Every open dossier's state in the snapshot `txn` reads, in code order.
    func openStates(_ txn: borrowing ReadTransaction) throws -> [DossierState] {
        let checkpoint = try status(txn).checkpoint
        if let cached = openStatesCache.withLock({ $0 }), cached.path == path, cached.checkpoint == checkpoint { return cached.states }
        var encoded: [[UInt8]] = []
        try txn.withCursor(on: projection.byEnd) { cursor in
            var step = Cursor.Position.atLeast(TimeKey.bytes(nil))
            while let code = try cursor.move(to: step, { key, _ in Array(key.dropFirst(8)) }) {
                if let state = try code.withUnsafeBytes({ key in try txn.withValue(forKey: key, in: projection.states) { Array($0) } }) { encoded.append(state) }
                step = .next
            }
        }
        let states = try Self.decode(encoded)
        openStatesCache.withLock { $0 = (path, checkpoint, states) }
        return states
    }

    /// States decoded on every core.
    static func decode(_ encoded: [[UInt8]]) throws -> [DossierState] {
        let parts = encoded.count < 512 ? 1 : DossierProjection.parallelism
        var results = [Result<DossierState, any Error>?](repeating: nil, count: encoded.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for index in stride(from: part, to: encoded.count, by: parts) {
                    shared.buffer[index] = Result { try encoded[index].withUnsafeBytes { try DossierState(decoding: $0) } }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Elements written by one thread each.
struct SharedBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
