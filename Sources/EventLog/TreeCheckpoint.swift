import Foundation

/// A checkpoint of the log's Merkle tree in the C2SP tlog-checkpoint format, the text of a
/// ``SignedNote``:
///
/// ```
/// <origin: the log's name, e.g. dossierledger.example/h19>
/// <tree size, decimal>
/// <root hash, base64>
/// head <the chain hash of the event at seq = size, 64 hex digits>
/// ```
///
/// The fourth line is DossierLedger's extension: it binds the checkpoint to the hash chain too,
/// so `verify --checkpoint` checks both; tools that know only the tree ignore it.
public struct TreeCheckpoint: Sendable, Hashable {
    public let origin: String
    public let size: UInt64
    public let root: EventHash
    public let head: EventHash?

    public init(origin: String, size: UInt64, root: EventHash, head: EventHash?) {
        self.origin = origin
        self.size = size
        self.root = root
        self.head = head
    }

    public var text: String {
        "\(origin)\n\(size)\n\(Data(root.bytes).base64EncodedString())\n" + (head.map { "head \($0.hex)\n" } ?? "")
    }

    /// Parses a note's text.
    /// - Throws: ``CheckpointError`` naming the line that is wrong.
    public init(text: String) throws(CheckpointError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard text.hasSuffix("\n"), lines.count >= 3, !lines[0].isEmpty else { throw CheckpointError("a checkpoint is an origin, a size and a root hash, a line each") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw CheckpointError("line 2: the tree size is not a decimal number") }
        guard let root = Data(base64Encoded: String(lines[2])), root.count == 32 else { throw CheckpointError("line 3: the root hash is not 32 bytes of base64") }
        var head: EventHash?
        for line in lines.dropFirst(3) where line.hasPrefix("head ") {
            guard let hash = EventHash(hex: String(line.dropFirst(5))) else { throw CheckpointError("the head line does not hold 64 hex digits") }
            head = hash
        }
        self.init(origin: String(lines[0]), size: size, root: root.withUnsafeBytes { EventHash(bytes: $0) }, head: head)
    }
}
