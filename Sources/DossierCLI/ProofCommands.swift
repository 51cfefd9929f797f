import ArgumentParser
import DossierDomain
import DossierLog
import EventLog
import Foundation
import ReportFormats
import Views

// Proofs anyone can check (integrity.md, "Proofs"): a dossier's proof bundle, its offline check,
// a consistency proof between two checkpoints, and a witness's cosignature.

struct Prove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Write a proof bundle of one dossier: its events, an inclusion proof of each, and a signed checkpoint."),
        discussion: """
        The bundle is checked offline, without the store, by `dossier verify-proof` (or any tool that reads
        C2SP checkpoints and RFC 6962 proofs, such as tools/verifier).

        Examples:
          dossier prove 000.00.17.H19-250304-0001 --key office.key --output ho-so.proof.json
          dossier prove 000.00.17.H19-250304-0001 --checkpoint 2026-11-29.checkpoint --output ho-so.proof.json
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The dossier code (mã hồ sơ).") var dossier: String
    @Option(help: "Prove against this signed checkpoint (its tree size).", completion: .file()) var checkpoint: String?
    @Option(help: "Or sign a checkpoint of the log as it is now with this key.", completion: .file()) var key: String?

    func validate() throws {
        try checkingUsage { if (checkpoint == nil) == (key == nil) { throw ToolError.usage("give --checkpoint or --key, one of them") } }
    }

    func run() async throws {
        let session = try await Session(global)
        let note: SignedNote, tree: TreeCheckpoint
        if let checkpoint {
            guard case .note(let signed, let parsed) = try CheckpointFile.read(checkpoint) else {
                throw ToolError("\(checkpoint) is a checkpoint of version 0.4, without a tree: sign a new one with `dossier checkpoint --key`")
            }
            // The proofs come from the store's tree: it must have the checkpoint's root at that size
            // (O(log n) reads; `dossier verify --checkpoint` recomputes the tree from the log).
            guard parsed.size <= (try await session.store.head()?.position.rawValue ?? 0),
                  try await session.store.treeRoot(size: parsed.size) == parsed.root else {
                throw ToolError("verification FAILED: the tree of \(parsed.size) events has another root than the signed checkpoint: the log was rewritten",
                                exitCode: ExitCode.verificationFailed)
            }
            (note, tree) = (signed, parsed)
        } else if let key {
            guard let head = try await session.store.head() else { throw ToolError("the log is empty: nothing to checkpoint") }
            note = try await session.signedCheckpoint(at: head, signer: try KeyFile.signer(key, origin: session.origin))
            tree = try TreeCheckpoint(text: note.text)
        } else {
            return
        }
        let proof: ProofBundle
        do { proof = try await session.ledger.proofBundle(of: dossier, note: note, size: tree.size) } catch let error as ProofBundleError {
            throw ToolError(error.phrase)
        }
        let (bundle, entries) = (try proof.encoded(), proof.events)
        if let output = global.output {
            guard FileManager.default.createFile(atPath: output, contents: bundle) else { throw ToolError("cannot write \(output)") }
            session.outcome("proof bundle of \(dossier): \(entries.count) events in the tree of \(tree.size), written to \(output)",
                            [("dossier", .text(dossier)), ("events", .integer(entries.count)), ("tree_size", .integer(Int(tree.size))), ("output", .text(output))])
        } else {
            session.write(String(decoding: bundle, as: UTF8.self) + "\n")
        }
    }
}

struct VerifyProof: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: spoken("Check a proof bundle offline, without a store; exit code 3 when it does not prove its dossier's events."),
        discussion: """
        Checks the checkpoint's signature (and each --witness's cosignature), that every record recomputes to
        its hash and links to the dossier's previous one from its first event, and every inclusion proof
        against the checkpoint's root.

        Example:
          dossier verify-proof ho-so.proof.json --public-key office.key.pub --witness thanh-tra.key.pub
        """)

    @Argument(help: "The proof bundle.", completion: .file(extensions: ["json"])) var bundle: String
    @Option(help: "The log's verifier key (the .pub file of `dossier checkpoint --new-key`).", completion: .file()) var publicKey: String
    @Option(help: "A witness's verifier key whose cosignature the checkpoint must carry (repeatable).", completion: .file()) var witness: [String] = []
    @Option(help: "Output: table, json or csv.") var format: Format = .table
    @Option(help: "Labels: en or vi.") var lang: Language?

    func run() async throws {
        let language = lang ?? Language.fromEnvironment
        let parsed: ProofBundle
        do { parsed = try JSONDecoder().decode(ProofBundle.self, from: try readFile(bundle)) } catch let error as ToolError { throw error } catch {
            throw ToolError("\(bundle) is not a proof bundle (\(ProofBundle.formatName)): \(error.localizedDescription)")
        }
        func fail(_ why: Phrase) -> ToolError { ToolError("verification FAILED: \(why)", exitCode: ExitCode.verificationFailed) }
        guard parsed.format == ProofBundle.formatName else { throw ToolError("\(bundle) is not a proof bundle (\(ProofBundle.formatName))") }
        let note: SignedNote, tree: TreeCheckpoint
        do { note = try SignedNote(parsing: parsed.checkpoint); tree = try TreeCheckpoint(text: note.text) } catch { throw fail("the bundle's checkpoint: \(error)") }
        let key = try KeyFile.verifier(publicKey, origin: tree.origin)
        guard note.isSigned(by: key) else { throw fail("the checkpoint's signature does not verify with \(publicKey)") }
        for path in witness {
            guard note.isSigned(by: try KeyFile.verifier(path, origin: tree.origin).witness) else { throw fail("the checkpoint carries no valid cosignature of \(path)") }
        }
        var checker = ExportChecker()
        for (index, entry) in parsed.events.enumerated() {
            var line = Array(entry.record.utf8)
            if let problem = line.withUnsafeMutableBufferPointer({ checker.check(UnsafeBufferPointer($0)) }) { throw fail("event \(index + 1): \(problem)") }
            let fields = try? JSONSerialization.jsonObject(with: Data(entry.record.utf8)) as? [String: Any]
            guard let last = checker.result.last, last.position.rawValue == entry.seq, last.hash.hex == entry.hash, entry.leafIndex == entry.seq - 1,
                  fields?["dossier"] as? String == parsed.dossier else {
                throw fail("event \(index + 1) is not the record it names (seq \(entry.seq)) of dossier \(parsed.dossier)")
            }
            let proof = entry.inclusionProof.compactMap { Data(base64Encoded: $0) }.filter { $0.count == 32 }.map { $0.withUnsafeBytes { EventHash(bytes: $0) } }
            guard proof.count == entry.inclusionProof.count,
                  MerkleTree.verifyInclusion(eventHash: last.hash, leaf: entry.leafIndex, size: tree.size, proof: proof, root: tree.root) else {
                throw fail("the inclusion proof of seq \(entry.seq) does not lead to the checkpoint's root")
            }
        }
        // The dossier's history from its first event: every record recomputed from its own links.
        guard !parsed.events.isEmpty, checker.result.recordsUnchecked == 0, checker.result.streams == 1 else {
            throw fail("the bundle does not hold \(parsed.dossier)'s history from its first event")
        }
        let outcome = language.say("proved: \(parsed.events.count) events of dossier \(parsed.dossier), from its first, are in the log \(tree.origin) of \(tree.size) events signed by \(key.name)")
        FileHandle.standardOutput.write(Data(Renderer(format: format, language: language).outcome(outcome, [
            ("dossier", .text(parsed.dossier)), ("events", .integer(parsed.events.count)), ("origin", .text(tree.origin)),
            ("tree_size", .integer(Int(tree.size))), ("root", .text(Data(tree.root.bytes).base64EncodedString())), ("signed_by", .text(key.name)),
            ("witnesses", .integer(witness.count)),
        ]).utf8))
    }
}
