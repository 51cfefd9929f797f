public import DossierDomain
public import EventLog
public import Foundation

/// A proof bundle (`dossierledger-proof-bundle/1`, JSON): one dossier's events as export lines,
/// each with its inclusion proof in the tree a signed checkpoint vouches for (integrity.md,
/// "Proofs"). Anyone checks it offline: `dossier verify-proof`, or tools that read C2SP
/// checkpoints and RFC 6962 proofs.
///
/// ```
/// {"format": "dossierledger-proof-bundle/1", "dossier": "<code>",
///  "checkpoint": "<the signed note, whole>",
///  "events": [{"record": "<the export line>", "seq": 17, "leaf_index": 16, "hash": "<hex>",
///              "inclusion_proof": ["<base64 hash>", …]}]}
/// ```
public struct ProofBundle: Codable, Sendable {
    public var format = ProofBundle.formatName
    public var dossier: String
    public var checkpoint: String
    public var events: [Entry]

    public struct Entry: Codable, Sendable {
        public var record: String
        public var seq: UInt64
        public var leafIndex: UInt64
        public var hash: String
        public var inclusionProof: [String]

        enum CodingKeys: String, CodingKey { case record, seq, leafIndex = "leaf_index", hash, inclusionProof = "inclusion_proof" }
    }

    public static let formatName = "dossierledger-proof-bundle/1"

    public init(dossier: String, checkpoint: String, events: [Entry]) {
        (self.dossier, self.checkpoint, self.events) = (dossier, checkpoint, events)
    }

    /// The bundle as written: indented, keys sorted.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Why a proof bundle cannot be made (the dossier has no event in the tree, say).
public struct ProofBundleError: PhrasedError, Sendable {
    public let phrase: Phrase
}

extension DossierLedger {
    /// The proof bundle of `dossier`'s events up to the tree of `size` events that `note` signs.
    /// - Throws: ``ProofBundleError`` when the dossier has no event in that tree.
    public func proofBundle(of dossier: String, note: SignedNote, size: UInt64) async throws -> ProofBundle {
        var lines: [String] = []
        _ = try await export(dossier: dossier, through: GlobalPosition(size)) { lines.append($0.trimmingCharacters(in: .newlines)) }
        guard !lines.isEmpty else { throw ProofBundleError(phrase: "no dossier \(dossier) in the log up to seq \(size)") }
        var entries: [ProofBundle.Entry] = []
        for line in lines {
            guard let fields = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let seq = (fields["seq"] as? NSNumber)?.uint64Value, let hash = fields["hash"] as? String else {
                throw ProofBundleError(phrase: "an exported line of \(dossier) has no seq or hash")
            }
            let proof = try await store.inclusionProof(seq: GlobalPosition(seq), size: size)
            entries.append(.init(record: line, seq: seq, leafIndex: seq - 1, hash: hash, inclusionProof: proof.map { Data($0.bytes).base64EncodedString() }))
        }
        return ProofBundle(dossier: dossier, checkpoint: note.written, events: entries)
    }
}
