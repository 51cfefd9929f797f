import Crypto
public import Foundation

/// A statement that the log had `hash` at `position`, signed with Ed25519 (integrity.md): kept
/// outside the machine, it proves later that the log still extends it, even against someone who
/// rewrote the log and recomputed every hash.
///
/// Text format (UTF-8, `\n` line ends, fields in this order; the signature covers every line
/// before `signature:`, each with its `\n`):
///
/// ```
/// DossierLedger checkpoint v1
/// seq: 1076773
/// hash: 7198b98ca024b2c9…(64 hex digits)
/// recorded: 2026-11-29T07:30:00.000000Z
/// public-key: <the signer's Ed25519 public key, 32 bytes, base64>
/// signature: <Ed25519 signature, 64 bytes, base64>
/// ```
public struct SignedCheckpoint: Sendable, Hashable {
    public let head: LogHead
    public let publicKey: Data
    public let signature: Data

    public static let magic = "DossierLedger checkpoint v1"

    /// The signed lines.
    static func body(_ head: LogHead, publicKey: Data) -> String {
        "\(magic)\nseq: \(head.position)\nhash: \(head.hash.hex)\nrecorded: \(utc(head.recorded))\npublic-key: \(publicKey.base64EncodedString())\n"
    }

    /// Signs `head` with a raw 32-byte Ed25519 private key.
    public init(signing head: LogHead, privateKey: Data) throws(CheckpointError) {
        let key: Curve25519.Signing.PrivateKey
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey) } catch {
            throw CheckpointError("the private key is not a 32-byte Ed25519 key")
        }
        self.head = head
        publicKey = key.publicKey.rawRepresentation
        do {
            signature = try key.signature(for: Data(SignedCheckpoint.body(head, publicKey: publicKey).utf8))
        } catch {
            throw CheckpointError("cannot sign: \(error)")
        }
    }

    public var text: String { SignedCheckpoint.body(head, publicKey: publicKey) + "signature: \(signature.base64EncodedString())\n" }

    /// Parses the text format.
    /// - Throws: ``CheckpointError`` naming the line that is wrong.
    public init(text: String) throws(CheckpointError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 6, lines[0] == SignedCheckpoint.magic else { throw CheckpointError("not a DossierLedger checkpoint (line 1)") }
        func field(_ index: Int, _ name: String) throws(CheckpointError) -> String {
            guard lines[index].hasPrefix(name + ": ") else { throw CheckpointError("line \(index + 1) must be `\(name): …`") }
            return String(lines[index].dropFirst(name.count + 2))
        }
        guard let seq = UInt64(try field(1, "seq")) else { throw CheckpointError("line 2: seq is not a number") }
        guard let hash = EventHash(hex: try field(2, "hash")) else { throw CheckpointError("line 3: hash is not 64 hex digits") }
        guard let recorded = parseUTC(try field(3, "recorded")) else { throw CheckpointError("line 4: recorded is not a UTC timestamp") }
        guard let key = Data(base64Encoded: try field(4, "public-key")), key.count == 32 else {
            throw CheckpointError("line 5: public-key is not 32 bytes of base64")
        }
        guard let signature = Data(base64Encoded: try field(5, "signature")) else { throw CheckpointError("line 6: signature is not base64") }
        head = LogHead(position: GlobalPosition(seq), hash: hash, recorded: recorded)
        publicKey = key
        self.signature = signature
    }

    /// Whether the signature is valid and made with `trustedKey` (raw 32 bytes).
    public func isSigned(by trustedKey: Data) -> Bool {
        guard trustedKey == publicKey, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: trustedKey) else { return false }
        return key.isValidSignature(signature, for: Data(SignedCheckpoint.body(head, publicKey: publicKey).utf8))
    }

    /// A new Ed25519 key pair: (private, public), raw bytes.
    public static func newKeyPair() -> (privateKey: Data, publicKey: Data) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation, key.publicKey.rawRepresentation)
    }
}

public struct CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `2026-11-29T07:30:00.123456Z`.
private func utc(_ time: RecordedTime) -> String {
    let seconds = time.rawValue >= 0 ? time.rawValue / 1_000_000 : (time.rawValue - 999_999) / 1_000_000
    let micro = time.rawValue - seconds * 1_000_000
    let date = Date(timeIntervalSince1970: TimeInterval(seconds))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
    return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second)).\(String(format: "%06d", micro))Z"
}

private func parseUTC(_ text: String) -> RecordedTime? {
    let parts = text.split(separator: ".")
    guard parts.count == 2, parts[1].hasSuffix("Z"), let micro = Int64(parts[1].dropLast()) else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: String(parts[0]) + "Z") else { return nil }
    return RecordedTime(rawValue: Int64(date.timeIntervalSince1970) * 1_000_000 + micro)
}
