import DossierDomain
import DossierLog
import EventLog
import Foundation

/// Keys and checkpoints as files. Keys are written as the Go note package writes them (a signer
/// key `PRIVATE+KEY+name+id+…`, a verifier key `name+id+…`); a key file of version 0.4 (32 bytes
/// in base64) still works, named after the log's origin.
enum KeyFile {
    static func signer(_ path: String, origin: String) throws -> NoteSigner {
        let text = String(decoding: try readFile(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if text.hasPrefix("PRIVATE+KEY+") { return try NoteSigner(signerKey: text) }
            guard let seed = Data(base64Encoded: text) else {
                throw ToolError("\(path) does not hold a base64 key; create one with `dossier checkpoint --new-key FILE`")
            }
            return try NoteSigner(name: origin, seed: seed)
        } catch let error as CheckpointError {
            throw ToolError("\(path): \(error)")
        }
    }

    static func verifier(_ path: String, origin: String) throws -> NoteVerifier {
        let text = String(decoding: try readFile(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            // A verifier key (name+id+key) first: its text may happen to be valid base64 too.
            if text.split(separator: "+", maxSplits: 2).count == 3, let key = try? NoteVerifier(verifierKey: text) { return key }
            guard let raw = Data(base64Encoded: text), raw.count == 32 else {
                throw ToolError("\(path) does not hold a verifier key (name+id+key) or a base64 Ed25519 public key (32 bytes)")
            }
            return try NoteVerifier(name: origin, publicKey: raw)
        } catch let error as CheckpointError {
            throw ToolError("\(path): \(error)")
        }
    }
}

/// A checkpoint file: a signed note (C2SP tlog-checkpoint), or the signed format of version 0.4.
enum CheckpointFile {
    case note(SignedNote, TreeCheckpoint)
    case legacy(SignedCheckpoint)

    static func read(_ path: String) throws -> CheckpointFile {
        do { return try parse(String(decoding: try readFile(path), as: UTF8.self)) } catch let error as CheckpointError {
            throw ToolError("\(path): \(error)")
        }
    }

    static func parse(_ text: String) throws(CheckpointError) -> CheckpointFile {
        if text.hasPrefix(SignedCheckpoint.magic) { return .legacy(try SignedCheckpoint(text: text)) }
        let note = try SignedNote(parsing: text)
        return .note(note, try TreeCheckpoint(text: note.text))
    }

    /// The log's name (a tree checkpoint's origin line).
    var origin: String? {
        if case .note(_, let checkpoint) = self { checkpoint.origin } else { nil }
    }

    /// The chain hash of the event at ``size``, when the checkpoint states it.
    var headHash: EventHash? {
        switch self {
        case .note(_, let checkpoint): checkpoint.head
        case .legacy(let old): old.head.hash
        }
    }

    func isSigned(by key: NoteVerifier) -> Bool {
        switch self {
        case .note(let note, _): note.isSigned(by: key)
        case .legacy(let old): old.isSigned(by: key.publicKey)
        }
    }

    /// The seq it vouches for.
    var size: UInt64 {
        switch self {
        case .note(_, let checkpoint): checkpoint.size
        case .legacy(let old): old.head.position.rawValue
        }
    }
}

extension Session {
    /// The log's name in checkpoints: `origin` in the store's settings, else
    /// `dossierledger/<the store directory's or database's name>`.
    var origin: String { settings.origin ?? location.defaultOrigin }

    /// A checkpoint of the tree of the log's first `head.position` events, signed by `signer`.
    func signedCheckpoint(at head: LogHead, signer: NoteSigner) async throws -> SignedNote {
        try await store.signedCheckpoint(at: head, origin: origin, signer: signer)
    }

    /// Fails (exit 3) unless the log still extends `file`: its event at the checkpoint's seq has
    /// the checkpoint's chain hash and (a tree checkpoint) the tree of that size, recomputed from
    /// the log's own hashes (not the stored tree), has its root.
    func requireExtends(_ file: CheckpointFile) async throws {
        let size = file.size
        let stored = try await store.readAll(from: GlobalPosition(size), limit: 1).first
        guard let stored, stored.position.rawValue == size else {
            throw ToolError("verification FAILED: the log ends before seq \(size) of the checkpoint: events were removed", exitCode: ExitCode.verificationFailed)
        }
        if let head = file.headHash, stored.hash != head {
            throw ToolError("verification FAILED: seq \(stored.position) has hash \(stored.hash.hex.prefix(16))…, the signed checkpoint says \(head.hex.prefix(16))…: the log was rewritten",
                            exitCode: ExitCode.verificationFailed)
        }
        guard case .note(_, let checkpoint) = file else { return }
        var frontier = MerkleTree.Frontier(size: 0, hashes: [])
        var next = GlobalPosition.first
        while frontier.size < size {
            let batch = try await store.readAll(from: next, limit: Int(min(65_536, size - frontier.size)))
            guard let last = batch.last else { break }
            for record in batch { frontier.append(eventHash: record.hash) { _ in } }
            next = last.position.next
        }
        guard frontier.size == size, frontier.root == checkpoint.root else {
            throw ToolError("verification FAILED: the tree of \(size) events has another root than the signed checkpoint: the log was rewritten",
                            exitCode: ExitCode.verificationFailed)
        }
    }
}
