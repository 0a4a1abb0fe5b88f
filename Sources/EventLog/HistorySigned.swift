import Foundation

/// `gesal-log sign`'s event: an Ed25519 signature over the hash chain through `sequence`.
///
/// Each record names the SHA-256 of the record before it, so the hash of the record holding
/// `sequence` commits to every byte of the branch's history up to it. A rewrite before that
/// point, even one that recomputes every CRC and chain link after it, changes that hash, and
/// `gesal-log verify --key` recomputes it from the bytes on disk, never trusting `recordHash`.
/// The event sits in the log like any other, so a history can be signed again and again.
public struct HistorySigned: Sendable, Equatable, Codable {
    public static let typeName = "HistorySigned.v1"

    /// The branch head that was signed.
    public var sequence: UInt64
    /// The last sequence of the record holding `sequence` (a record is signed whole).
    public var recordEnd: UInt64
    /// The SHA-256 of that record's bytes when it was signed (for the report; not trusted).
    public var recordHash: String
    /// The signer's Ed25519 public key, 32 bytes in hex.
    public var publicKey: String
    /// The Ed25519 signature of `message(sequence:recordHash:)`, 64 bytes in hex.
    public var signature: String

    public init(sequence: UInt64, recordEnd: UInt64, recordHash: Hash256, publicKey: HistoryPublicKey, signature: [UInt8]) {
        self.sequence = sequence
        self.recordEnd = recordEnd
        self.recordHash = recordHash.hex
        self.publicKey = publicKey.hex
        self.signature = Hex.encode(signature)
    }

    /// What is signed: a fixed label (so the bytes mean nothing to any other protocol), the
    /// sequence as 8 big-endian bytes, and the record's 32 hash bytes.
    public static func message(sequence: UInt64, recordHash: Hash256) -> [UInt8] {
        var bytes = Array("GESAL history signature v1\n".utf8)
        withUnsafeBytes(of: sequence.bigEndian) { bytes += $0 }
        recordHash.append(to: &bytes)
        return bytes
    }

    public var payload: [UInt8] { StoreJSON.encodeLine(self) }

    /// The event's signature bytes, or nil when they are not 128 hex digits.
    public var signatureBytes: [UInt8]? { Hex.decode(signature, count: 64) }
}
