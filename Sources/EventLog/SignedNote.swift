import Crypto
public import Foundation

/// A text signed by one or more Ed25519 keys, in the C2SP signed-note format that transparency-log
/// tools read (the Go checksum database's `note` package among them):
///
/// ```
/// <text, each line ending in a newline>
///
/// — <key name> base64(4-byte key ID ‖ 64-byte signature)
/// ```
///
/// A key's ID is the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key): type 0x01 for a
/// log's signature over the text, 0x04 for a witness's cosignature (C2SP tlog-cosignature), which
/// signs `cosignature/v1\ntime <POSIX seconds>\n` followed by the text and carries the time in
/// 8 bytes before the signature.
public struct SignedNote: Sendable, Hashable {
    /// The signed text, with its final newline.
    public let text: String
    public private(set) var signatures: [Signature]

    public struct Signature: Sendable, Hashable {
        public let name: String
        public let keyID: UInt32
        /// What follows the key ID: the Ed25519 signature, or (a cosignature) the time and signature.
        public let bytes: Data

        /// The line as the note writes it.
        var line: String { "— \(name) " + (Data(keyID.bigEndianBytes) + bytes).base64EncodedString() + "\n" }
    }

    public init(text: String) {
        self.text = text
        signatures = []
    }

    /// The note as written: text, blank line, signature lines.
    public var written: String { text + "\n" + signatures.map(\.line).joined() }

    /// Parses a note.
    /// - Throws: ``CheckpointError`` for a note without its blank line or signatures, or with a
    ///   malformed signature line or a control character.
    public init(parsing note: String) throws(CheckpointError) {
        guard !note.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw CheckpointError("the note holds a control character")
        }
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw CheckpointError("the note has no blank line before its signatures") }
        text = String(note[..<note.index(after: split.lowerBound)])
        let lines = note[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "", lines.count >= 2 else { throw CheckpointError("the note has no signature, or does not end with a newline") }
        signatures = try lines.dropLast().map { line throws(CheckpointError) in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "—", !parts[1].isEmpty, let raw = Data(base64Encoded: String(parts[2])), raw.count > 4 else {
                throw CheckpointError("not a signature line: \(line)")
            }
            let id = raw.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return Signature(name: String(parts[1]), keyID: id, bytes: raw.dropFirst(4))
        }
    }

    /// Adds the signature of `key` over the text.
    public mutating func sign(with key: NoteSigner) throws(CheckpointError) {
        signatures.append(Signature(name: key.name, keyID: key.verifier.keyID, bytes: try key.sign(Data(text.utf8))))
    }

    /// Adds `key`'s cosignature made at `time` (POSIX seconds).
    public mutating func cosign(with key: NoteSigner, time: UInt64) throws(CheckpointError) {
        let witness = key.verifier.witness
        signatures.append(Signature(name: key.name, keyID: witness.keyID,
                                    bytes: Data(time.bigEndianBytes) + (try key.sign(SignedNote.cosigned(text, time: time)))))
    }

    /// Whether a valid signature of `key` is on the note (a cosignature for a witness key). A
    /// signature with the key's name and ID that does not verify makes the whole note suspect:
    /// the caller refuses it.
    public func isSigned(by key: NoteVerifier) -> Bool {
        let matching = signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
        guard !matching.isEmpty else { return false }
        return matching.allSatisfy { signature in
            switch key.type {
            case NoteVerifier.logType:
                return key.isValid(signature.bytes, for: Data(text.utf8))
            default:
                guard signature.bytes.count == 72 else { return false }
                let time = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return key.isValid(signature.bytes.dropFirst(8), for: SignedNote.cosigned(text, time: time))
            }
        }
    }

    /// The time of `key`'s cosignature, if it has one.
    public func cosignatureTime(of key: NoteVerifier) -> UInt64? {
        signatures.first { $0.name == key.name && $0.keyID == key.keyID && $0.bytes.count == 72 }
            .map { $0.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    static func cosigned(_ text: String, time: UInt64) -> Data {
        Data("cosignature/v1\ntime \(time)\n\(text)".utf8)
    }
}

/// A public key that checks notes: a log's (type 0x01) or a witness's (type 0x04), written as a
/// verifier key `<name>+<key ID, 8 hex digits>+<base64(type ‖ 32-byte public key)>`.
public struct NoteVerifier: Sendable, Hashable {
    public static let logType: UInt8 = 0x01, witnessType: UInt8 = 0x04

    public let name: String
    public let type: UInt8
    public let publicKey: Data

    public init(name: String, type: UInt8 = NoteVerifier.logType, publicKey: Data) throws(CheckpointError) {
        guard !name.isEmpty, !name.contains("+"), !name.contains(where: \.isWhitespace) else {
            throw CheckpointError("a key name is not empty and holds no space or +: \"\(name)\"")
        }
        guard publicKey.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else {
            throw CheckpointError("an Ed25519 public key is 32 bytes")
        }
        self.init(checked: name, type: type, publicKey: publicKey)
    }

    /// A key whose name and bytes are known to be valid.
    init(checked name: String, type: UInt8, publicKey: Data) {
        self.name = name
        self.type = type
        self.publicKey = publicKey
    }

    /// Parses a verifier key.
    public init(verifierKey text: String) throws(CheckpointError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Data(base64Encoded: String(parts[2])), raw.count == 33,
              [NoteVerifier.logType, NoteVerifier.witnessType].contains(raw[raw.startIndex]) else {
            throw CheckpointError("not a verifier key (name+id+base64 key of type 1 or 4)")
        }
        try self.init(name: String(parts[0]), type: raw[raw.startIndex], publicKey: raw.dropFirst())
        guard String(format: "%08x", keyID) == parts[1] else { throw CheckpointError("the verifier key's ID does not match its name and key") }
    }

    /// The 4-byte key ID, as a big-endian number.
    public var keyID: UInt32 {
        var data = Data(name.utf8)
        data.append(0x0A)
        data.append(type)
        data.append(publicKey)
        return SHA256.hash(data: data).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    public var verifierKey: String {
        "\(name)+\(String(format: "%08x", keyID))+" + (Data([type]) + publicKey).base64EncodedString()
    }

    /// The same key as a witness's (type 0x04).
    public var witness: NoteVerifier { NoteVerifier(checked: name, type: NoteVerifier.witnessType, publicKey: publicKey) }

    func isValid(_ signature: Data, for message: Data) -> Bool {
        (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey))?.isValidSignature(signature, for: message) ?? false
    }
}

/// A private key that signs notes, written as `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ‖ 32-byte seed)>`.
public struct NoteSigner: Sendable {
    public let name: String
    private let key: Curve25519.Signing.PrivateKey

    /// A new key.
    public init(name: String) throws(CheckpointError) {
        key = Curve25519.Signing.PrivateKey()
        self.name = name
        _ = try NoteVerifier(name: name, publicKey: key.publicKey.rawRepresentation)
    }

    /// A key from its 32-byte Ed25519 seed (a key file of version 0.4, which held only that).
    public init(name: String, seed: Data) throws(CheckpointError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw CheckpointError("the private key is not a 32-byte Ed25519 key") }
        _ = try NoteVerifier(name: name, publicKey: key.publicKey.rawRepresentation)
        self.key = key
        self.name = name
    }

    /// Parses a signer key.
    public init(signerKey text: String) throws(CheckpointError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let raw = Data(base64Encoded: String(parts[4])), raw.count == 33,
              raw[raw.startIndex] == NoteVerifier.logType, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw.dropFirst()) else {
            throw CheckpointError("not a signer key (PRIVATE+KEY+name+id+base64 Ed25519 seed)")
        }
        self.key = key
        name = String(parts[2])
        _ = try NoteVerifier(name: name, publicKey: key.publicKey.rawRepresentation)
        guard String(format: "%08x", verifier.keyID) == parts[3] else { throw CheckpointError("the signer key's ID does not match its name and key") }
    }

    public var verifier: NoteVerifier { NoteVerifier(checked: name, type: NoteVerifier.logType, publicKey: key.publicKey.rawRepresentation) }

    public var signerKey: String {
        "PRIVATE+KEY+\(name)+\(String(format: "%08x", verifier.keyID))+" + (Data([NoteVerifier.logType]) + key.rawRepresentation).base64EncodedString()
    }

    func sign(_ message: Data) throws(CheckpointError) -> Data {
        do { return try key.signature(for: message) } catch { throw CheckpointError("cannot sign: \(error)") }
    }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian, Array.init) }
}
