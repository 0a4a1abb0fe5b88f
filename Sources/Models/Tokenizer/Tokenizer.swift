/// Text to token ids and back.
public protocol Tokenizer: Sendable {
    /// Every token's text, by id.
    var tokens: [String] { get }
    var vocabularySize: Int { get }
    func encode(_ text: String) -> [Int]
    /// The bytes a token stands for (its text for special tokens).
    func bytes(of id: Int) -> [UInt8]
    /// The text of a whole sequence (which may differ from the tokens' bytes at its start).
    func decode(_ ids: [Int]) -> String
}

extension Tokenizer {
    /// Decodes ids to text; bytes that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: ids.flatMap { bytes(of: $0) }, as: UTF8.self)
    }
}

/// Turns a stream of token bytes into text as soon as it is valid UTF-8, holding back a
/// character whose bytes are split across tokens (as emoji often are).
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Adds a token's bytes; returns the text that is now complete.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        var end = pending.count
        // Hold back an unfinished multi-byte sequence at the end (at most 3 bytes).
        for back in 1...min(3, pending.count) {
            let byte = pending[pending.count - back]
            if byte & 0xC0 == 0x80 { continue }  // continuation byte
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            if length > back { end = pending.count - back }
            break
        }
        let text = String(decoding: pending[0..<end], as: UTF8.self)
        pending.removeFirst(end)
        return text
    }
}
