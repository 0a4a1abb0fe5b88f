import Crypto

/// A SHA-256 digest: the link of the record hash chain and the name of a content-addressed blob.
public struct Hash256: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 32 digest bytes, big-endian in four words so that comparison orders like the hex form.
    public let words: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Hash256(words: (0, 0, 0, 0))

    public init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// Reads 32 bytes; the buffer must hold at least that many from `offset`.
    public init(bytes: UnsafeRawBufferPointer, at offset: Int = 0) {
        func word(_ i: Int) -> UInt64 { UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self)) }
        words = (word(0), word(1), word(2), word(3))
    }

    /// Parses 64 hex digits; nil for anything else.
    public init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var parsed: [UInt64] = [0, 0, 0, 0]
        for (i, digit) in digits.enumerated() {
            guard let value = Hex.digitValue(digit) else { return nil }
            parsed[i / 16] = parsed[i / 16] << 4 | UInt64(value)
        }
        words = (parsed[0], parsed[1], parsed[2], parsed[3])
    }

    /// SHA-256 of `bytes`.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        SHA256.hash(data: bytes).withUnsafeBytes { Hash256(bytes: $0) }
    }

    public static func of(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { of($0) }
    }

    /// Appends the 32 digest bytes to `buffer`.
    public func append(to buffer: inout [UInt8]) {
        for word in [words.0, words.1, words.2, words.3] {
            withUnsafeBytes(of: word.bigEndian) { buffer.append(contentsOf: $0) }
        }
    }

    public var hex: String {
        var text = ""
        text.reserveCapacity(64)
        for word in [words.0, words.1, words.2, words.3] {
            let digits = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return text
    }

    public var description: String { hex }

    public static func == (a: Hash256, b: Hash256) -> Bool {
        a.words == b.words
    }

    public static func < (a: Hash256, b: Hash256) -> Bool {
        (a.words.0, a.words.1, a.words.2, a.words.3) < (b.words.0, b.words.1, b.words.2, b.words.3)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
