import Crypto
import Foundation
import SystemIO

/// An Ed25519 public key that checks history signatures.
///
/// Keys are held as their 32 raw bytes (Crypto's key types are not `Sendable`); the Crypto key
/// is made again for each use, which costs nothing next to a signature check.
public struct HistoryPublicKey: Sendable, Equatable {
    public let raw: [UInt8]

    /// 32 bytes in hex: how events name their signer.
    public var hex: String { Hex.encode(raw) }

    /// The first 16 hex digits of the key's SHA-256: a short name for messages.
    public var fingerprint: String { String(Hash256.of(raw).hex.prefix(16)) }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: message) ?? false
    }

    /// Reads a key from its hex form in an event; nil when it is not 32 bytes of hex.
    public init?(hex: String) {
        guard let raw = Hex.decode(hex, count: 32),
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { return nil }
        self.raw = raw
    }

    init(key: Curve25519.Signing.PublicKey) {
        self.raw = Array(key.rawRepresentation)
    }

    /// Reads a PEM file: a public key (`BEGIN PUBLIC KEY`, as `openssl pkey -pubout` writes),
    /// or a private key, whose public half is taken.
    public static func read(_ path: String, syscalls: Syscalls = .live) throws(LogError) -> HistoryPublicKey {
        let pem = try SigningKeyPEM.read(path, syscalls: syscalls)
        switch pem.label {
        case SigningKeyPEM.publicLabel:
            return HistoryPublicKey(key: try SigningKeyPEM.publicKey(pem.der, path: path))
        case SigningKeyPEM.privateLabel:
            return HistorySigningKey(key: try SigningKeyPEM.privateKey(pem.der, path: path)).publicKey
        default:
            throw LogError(.invalidArgument, "a PEM block labelled '\(pem.label)' is not an Ed25519 key (expected PUBLIC KEY or PRIVATE KEY)", path: path)
        }
    }

    /// The PEM text of the key (SubjectPublicKeyInfo, RFC 8410).
    public var pem: String { SigningKeyPEM.encode(SigningKeyPEM.publicPrefix + raw, label: SigningKeyPEM.publicLabel) }
}

/// An Ed25519 private key that signs history.
public struct HistorySigningKey: Sendable {
    let raw: [UInt8]
    private var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }  // checked in init

    init(key: Curve25519.Signing.PrivateKey) {
        self.raw = Array(key.rawRepresentation)
    }

    /// A new key from the system's random source.
    public static func generate() -> HistorySigningKey { HistorySigningKey(key: Curve25519.Signing.PrivateKey()) }

    public var publicKey: HistoryPublicKey { HistoryPublicKey(key: key.publicKey) }

    public func signature(for message: [UInt8]) throws(LogError) -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw LogError(.invalidArgument, "Ed25519 signing failed: \(error)")
        }
    }

    /// Reads a PEM private key (`BEGIN PRIVATE KEY`, PKCS #8, as
    /// `openssl genpkey -algorithm ed25519` writes).
    public static func read(_ path: String, syscalls: Syscalls = .live) throws(LogError) -> HistorySigningKey {
        let pem = try SigningKeyPEM.read(path, syscalls: syscalls)
        guard pem.label == SigningKeyPEM.privateLabel else {
            throw LogError(.invalidArgument, "this is a '\(pem.label)' PEM block, not a private key: signing needs the PRIVATE KEY file", path: path)
        }
        return HistorySigningKey(key: try SigningKeyPEM.privateKey(pem.der, path: path))
    }

    /// The PEM text of the key (PKCS #8, RFC 8410).
    public var pem: String { SigningKeyPEM.encode(SigningKeyPEM.privatePrefix + raw, label: SigningKeyPEM.privateLabel) }
}

/// The two fixed DER shapes RFC 8410 gives Ed25519 keys, wrapped in PEM. Both are a constant
/// prefix (the structure and the algorithm's OID 1.3.101.112) and the 32 key bytes, so no
/// general ASN.1 parser is needed; any other shape is refused by name.
enum SigningKeyPEM {
    static let publicLabel = "PUBLIC KEY"
    static let privateLabel = "PRIVATE KEY"
    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits) of 32 bytes }
    static let publicPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING of 32 bytes } }
    static let privatePrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    static let maxFileBytes = 64 << 10

    static func read(_ path: String, syscalls: Syscalls) throws(LogError) -> (label: String, der: [UInt8]) {
        let fs = FileSystem(syscalls: syscalls)
        guard fs.exists(path) else { throw LogError(.invalidArgument, "no key file here", path: path) }
        let bytes = try io { try fs.read(path) }
        guard bytes.count <= maxFileBytes else { throw LogError(.invalidArgument, "\(bytes.count) bytes is too large for a key file", path: path) }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }) else {
            throw LogError(.invalidArgument, "not a PEM key file: no '-----BEGIN ...-----' line (make one with `gesal-log keygen` or `openssl genpkey -algorithm ed25519`)", path: path)
        }
        let label = String(lines[begin].dropFirst("-----BEGIN ".count).dropLast(5))
        guard let end = lines[begin...].firstIndex(of: "-----END \(label)-----") else {
            throw LogError(.invalidArgument, "the PEM block '\(label)' has no END line", path: path)
        }
        guard let der = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw LogError(.invalidArgument, "the PEM block '\(label)' is not valid base64", path: path)
        }
        return (label, Array(der))
    }

    static func publicKey(_ der: [UInt8], path: String) throws(LogError) -> Curve25519.Signing.PublicKey {
        guard der.count == publicPrefix.count + 32, Array(der.prefix(publicPrefix.count)) == publicPrefix,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32)) else {
            throw LogError(.invalidArgument, "not an Ed25519 public key (\(der.count) DER bytes; expected RFC 8410's 44-byte SubjectPublicKeyInfo)", path: path)
        }
        return key
    }

    static func privateKey(_ der: [UInt8], path: String) throws(LogError) -> Curve25519.Signing.PrivateKey {
        guard der.count == privatePrefix.count + 32, Array(der.prefix(privatePrefix.count)) == privatePrefix,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)) else {
            throw LogError(.invalidArgument, "not an Ed25519 private key (\(der.count) DER bytes; expected RFC 8410's 48-byte PKCS #8)", path: path)
        }
        return key
    }

    static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }
}
