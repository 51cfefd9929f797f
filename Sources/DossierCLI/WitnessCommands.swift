import ArgumentParser
import DossierDomain
import EventLog
import Foundation
import Views

/// Two checkpoints of the same log, and the proof from the store that the older tree is a
/// prefix of the newer (RFC 6962 consistency).
struct CheckpointPair {
    let old: TreeCheckpoint, new: TreeCheckpoint
    let proof: [EventHash]

    /// Reads the proof from the store and checks it against both roots.
    /// - Throws: ``ToolError`` (exit 3) when the trees are not consistent: a fork or a rewrite.
    init(old: TreeCheckpoint, new: TreeCheckpoint, store: any EventStore) async throws {
        guard old.origin == new.origin else { throw ToolError("the checkpoints are of two logs: \(old.origin) and \(new.origin)") }
        guard old.size <= new.size else {
            throw ToolError("verification FAILED: the newer checkpoint has fewer events (\(new.size)) than the older (\(old.size)): the log went back", exitCode: ExitCode.verificationFailed)
        }
        self.old = old
        self.new = new
        proof = old.size == 0 ? [] : try await store.consistencyProof(old: old.size, new: new.size)
        let holds = old.size == 0 || MerkleTree.verifyConsistency(old: old.size, oldRoot: old.root, new: new.size, newRoot: new.root, proof: proof)
        guard holds, try await store.treeRoot(size: new.size) == new.root else {
            throw ToolError("verification FAILED: the tree of \(new.size) events does not extend the tree of \(old.size) of the older checkpoint: the log forked or was rewritten",
                            exitCode: ExitCode.verificationFailed)
        }
    }
}

struct Consistency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("Prove from the store that one signed checkpoint extends another: the log only grew between them."),
        discussion: """
        Writes the consistency proof (JSON with --format json: old and new size and root, the proof in base64),
        which tools/verifier checks with the Go checksum database's own code.

        Example:
          dossier consistency 2026-11-01.checkpoint 2026-12-01.checkpoint --public-key office.key.pub
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The older checkpoint.", completion: .file()) var old: String
    @Argument(help: "The newer checkpoint.", completion: .file()) var new: String
    @Option(help: "The log's verifier key: both checkpoints must be signed with it.", completion: .file()) var publicKey: String

    func run() async throws {
        let session = try await Session(global)
        var trees: [TreeCheckpoint] = []
        for path in [old, new] {
            guard case .note(let note, let tree) = try CheckpointFile.read(path) else { throw ToolError("\(path) is a checkpoint of version 0.4, without a tree") }
            guard note.isSigned(by: try KeyFile.verifier(publicKey, origin: tree.origin)) else {
                throw ToolError("verification FAILED: the checkpoint's signature does not verify with \(publicKey)", exitCode: ExitCode.verificationFailed)
            }
            trees.append(tree)
        }
        let pair = try await CheckpointPair(old: trees[0], new: trees[1], store: session.store)
        let proof = pair.proof.map { Data($0.bytes).base64EncodedString() }
        session.outcome("consistent: the tree of \(pair.new.size) events extends the tree of \(pair.old.size) (a proof of \(proof.count) hashes)",
                        [("old_size", .integer(Int(pair.old.size))), ("old_root", .text(Data(pair.old.root.bytes).base64EncodedString())),
                         ("new_size", .integer(Int(pair.new.size))), ("new_root", .text(Data(pair.new.root.bytes).base64EncodedString())),
                         ("proof", .codes(proof))])
    }
}

struct Witness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: spoken("A witness's work: cosign a checkpoint only when it extends the last one this witness cosigned."),
        subcommands: [Cosign.self])

    struct Cosign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: spoken("Cosign a checkpoint (C2SP tlog-cosignature) after checking it against the last one cosigned; refuse a fork."),
            discussion: """
            The witness keeps the last checkpoint it cosigned of each log in --state. It checks the log's
            signature, then the consistency proof from the store (a replica will do) between that checkpoint and
            this one, and only then adds its cosignature. A log that went back, forked or rewrote its past is
            refused (exit 3), and the state is kept.

            Example:
              dossier witness cosign --key thanh-tra.key --log-key office.key.pub --state /var/lib/witness \\
                2026-12-01.checkpoint --output 2026-12-01.cosigned
            """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The checkpoint to cosign.", completion: .file()) var checkpoint: String
        @Option(help: "The witness's signer key.", completion: .file()) var key: String
        @Option(help: "The log's verifier key.", completion: .file()) var logKey: String
        @Option(help: "The witness's directory of the last checkpoint cosigned per log.", completion: .directory) var state: String

        func run() async throws {
            let session = try await Session(global)
            guard case .note(var note, let tree) = try CheckpointFile.read(checkpoint) else { throw ToolError("\(checkpoint) is a checkpoint of version 0.4, without a tree") }
            guard note.isSigned(by: try KeyFile.verifier(logKey, origin: tree.origin)) else {
                throw ToolError("verification FAILED: the checkpoint's signature does not verify with \(logKey)", exitCode: ExitCode.verificationFailed)
            }
            let signer = try KeyFile.signer(key, origin: tree.origin)
            let last = state + "/" + tree.origin.replacingOccurrences(of: "/", with: "_") + ".checkpoint"
            if FileManager.default.fileExists(atPath: last), case .note(_, let previous) = try CheckpointFile.read(last) {
                _ = try await CheckpointPair(old: previous, new: tree, store: session.store)
            }
            try note.cosign(with: signer, time: UInt64(Date().timeIntervalSince1970))
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: last, contents: Data(note.written.utf8)) else { throw ToolError("cannot write \(last)") }
            if let output = global.output {
                guard FileManager.default.createFile(atPath: output, contents: Data(note.written.utf8)) else { throw ToolError("cannot write \(output)") }
                session.outcome("cosigned the tree of \(tree.size) events of \(tree.origin) as \(signer.name), written to \(output)",
                                [("origin", .text(tree.origin)), ("tree_size", .integer(Int(tree.size))), ("witness", .text(signer.name)), ("output", .text(output))])
            } else {
                session.write(note.written)
            }
        }
    }
}
