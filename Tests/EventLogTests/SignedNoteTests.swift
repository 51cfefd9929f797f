import EventLog
import Foundation
import Testing

/// Signed notes and tree checkpoints in the C2SP formats, byte for byte as the Go `note` package
/// writes them (its documented example key and note), with cosignatures and tampering.
struct SignedNoteTests {
    // The example of golang.org/x/mod/sumdb/note's documentation: Ed25519 is deterministic, so
    // our signature of the text must be the very line Go prints.
    static let signerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let signature = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("our keys, IDs and signatures are the Go note package's, byte for byte")
    func goVector() throws {
        let signer = try NoteSigner(signerKey: Self.signerKey)
        #expect(signer.verifier.verifierKey == Self.verifierKey)
        #expect(signer.signerKey == Self.signerKey)
        var note = SignedNote(text: Self.text)
        try note.sign(with: signer)
        #expect(note.written == Self.text + "\n" + Self.signature)
        let parsed = try SignedNote(parsing: Self.text + "\n" + Self.signature)
        #expect(parsed.isSigned(by: try NoteVerifier(verifierKey: Self.verifierKey)))
    }

    @Test("a checkpoint signs and cosigns; another key, an altered text or signature, a wrong key ID are refused")
    func checkpointAndCosignature() throws {
        let log = try NoteSigner(name: "dossierledger.example/h19"), witness = try NoteSigner(name: "thanhtra.example/w1")
        let checkpoint = TreeCheckpoint(origin: "dossierledger.example/h19", size: 1_234, root: .zero, head: .zero)
        #expect(try TreeCheckpoint(text: checkpoint.text) == checkpoint)
        var note = SignedNote(text: checkpoint.text)
        try note.sign(with: log)
        try note.cosign(with: witness, time: 1_764_900_000)
        let parsed = try SignedNote(parsing: note.written)
        #expect(parsed == note)
        #expect(parsed.isSigned(by: log.verifier))
        #expect(parsed.isSigned(by: witness.verifier.witness))
        #expect(parsed.cosignatureTime(of: witness.verifier.witness) == 1_764_900_000)
        #expect(!parsed.isSigned(by: witness.verifier))  // a cosignature is not a log signature
        #expect(!parsed.isSigned(by: try NoteSigner(name: "dossierledger.example/h19").verifier))
        let altered = try SignedNote(parsing: note.written.replacingOccurrences(of: "\n1234\n", with: "\n1235\n"))
        #expect(!altered.isSigned(by: log.verifier) && !altered.isSigned(by: witness.verifier.witness))
        #expect(try NoteVerifier(verifierKey: log.verifier.verifierKey) == log.verifier)
        #expect(throws: CheckpointError.self) { try NoteVerifier(verifierKey: Self.verifierKey.replacingOccurrences(of: "c74f20a3", with: "c74f20a4")) }
        for bad in [checkpoint.text, checkpoint.text + "\n", checkpoint.text + "\n— name !!!\n", "a\u{7}b\n\n" + Self.signature] {
            #expect(throws: CheckpointError.self) { try SignedNote(parsing: bad) }
        }
    }
}
