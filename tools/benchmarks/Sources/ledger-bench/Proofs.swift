import DossierLog
import EventLog
import EventLogLMDB
import Foundation

/// `ledger-bench proofs`: after the import of `--events` events, the Merkle tree's first
/// extension over the whole log, inclusion and consistency proofs (time and size), and the
/// export of the whole log (lines per second), in one run.
func proofsBenchmark(_ options: Options) async throws {
    let store = try await importBenchmark(options)
    let size = try await store.head()?.position.rawValue ?? 0
    var start = ContinuousClock.now
    let root = try await store.treeRoot(size: size)
    print("Merkle tree extended over \(size.formatted()) events (first root after the import): \(String(format: "%.2f", seconds(ContinuousClock.now - start))) s; root \(root.hex.prefix(16))…")

    var generator = SystemRandomNumberGenerator()
    let samples = 1_000
    var hashes = 0
    start = ContinuousClock.now
    for _ in 0..<samples {
        let seq = GlobalPosition(UInt64.random(in: 1...size, using: &generator))
        let proof = try await store.inclusionProof(seq: seq, size: size)
        hashes = max(hashes, proof.count)
    }
    let perProof = seconds(ContinuousClock.now - start) / Double(samples)
    print("inclusion proof at \(size.formatted()) events: \(hashes) hashes (\(hashes * 32) bytes), \(String(format: "%.0f", perProof * 1e6)) µs each (mean of \(samples))")

    start = ContinuousClock.now
    let consistency = try await store.consistencyProof(old: size / 2 + 1, new: size)
    print("consistency proof \((size / 2 + 1).formatted()) → \(size.formatted()): \(consistency.count) hashes, \(String(format: "%.0f", seconds(ContinuousClock.now - start) * 1e6)) µs")

    let ledger = DossierLedger(store: store)
    guard let devNull = FileHandle(forWritingAtPath: "/dev/null") else { throw BenchError("cannot open /dev/null") }
    start = ContinuousClock.now
    let lines = try await ledger.export { (chunk: [UInt8]) in try devNull.write(contentsOf: chunk) }  // as `dossier export` writes
    print("export of the whole log to /dev/null: \(rate(lines, ContinuousClock.now - start))")
}
