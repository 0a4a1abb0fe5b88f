/// SentencePiece-style BPE, as Llama 2 and Mistral describe it (GGUF tokenizer model `llama`,
/// or a `tokenizer.json` with byte fallback): spaces become "▁" (with one added in front),
/// the text starts as single characters, and adjacent pairs merge best first, ties to the
/// leftmost. "Best" is the highest-scoring resulting token (GGUF's scores) or the
/// lowest-ranked listed merge (`tokenizer.json`). Characters left without a token fall back
/// to `<0xXX>` byte tokens.
public struct SentencePieceBPE: Tokenizer {
    /// How adjacent pairs are ranked.
    public enum MergeOrder: Sendable {
        /// By the score of the token the pair forms.
        case scores([Float])
        /// By the rank of the pair in a merge list ("left right" strings).
        case merges([String])
    }

    public let tokens: [String]
    private let scores: [Float]
    /// "left\u{1}right" -> rank, when merging by a merge list.
    private let ranks: [String: Int]?
    private let ids: [String: Int]
    private let specials: SpecialTokens
    private let controls: Set<Int>
    private let byteTokens: [Int?]
    private let byteValues: [Int: UInt8]
    private let unknown: Int
    private let addSpacePrefix: Bool

    public var vocabularySize: Int { tokens.count }

    /// - Parameter types: GGUF token types: 2 unknown, 3 control, 4 user-defined, 6 byte.
    public init(tokens: [String], scores: [Float], types: [Int], addSpacePrefix: Bool = true) {
        self.init(tokens: tokens, order: .scores(scores), types: types, addSpacePrefix: addSpacePrefix)
    }

    public init(tokens: [String], order: MergeOrder, types: [Int], addSpacePrefix: Bool = true) {
        self.tokens = tokens
        switch order {
        case .scores(let scores):
            self.scores = scores.count == tokens.count ? scores : [Float](repeating: 0, count: tokens.count)
            self.ranks = nil
        case .merges(let merges):
            self.scores = []
            var ranks: [String: Int] = [:]
            for (rank, merge) in merges.enumerated() {
                let key = merge.replacingOccurrences(of: " ", with: "\u{1}")
                if ranks[key] == nil { ranks[key] = rank }
            }
            self.ranks = ranks
        }
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        func type(_ id: Int) -> Int { id < types.count ? types[id] : 1 }
        self.controls = Set(tokens.indices.filter { type($0) == 3 })
        self.specials = SpecialTokens(ids: tokens.indices.filter { type($0) == 3 || type($0) == 4 }, tokens: tokens)
        var byteTokens = [Int?](repeating: nil, count: 256)
        var byteValues: [Int: UInt8] = [:]
        for byte in 0..<256 {
            let hex = String(byte, radix: 16, uppercase: true)
            if let id = ids["<0x" + (hex.count == 1 ? "0" : "") + hex + ">"] {
                byteTokens[byte] = id
                byteValues[id] = UInt8(byte)
            }
        }
        self.byteTokens = byteTokens
        self.byteValues = byteValues
        self.unknown = tokens.indices.first { type($0) == 2 } ?? 0
        self.addSpacePrefix = addSpacePrefix
    }

    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        var first = true
        for segment in specials.split(text) {
            switch segment {
            case .special(let id):
                out.append(id)
            case .text(let piece):
                let spaced = (addSpacePrefix && first ? " " : "") + piece
                first = false
                out += merge(spaced.replacingOccurrences(of: " ", with: "▁"))
            }
        }
        return out
    }

    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0 && id < tokens.count, !controls.contains(id) else { return [] }
        if let byte = byteValues[id] { return [byte] }
        return Array(tokens[id].replacingOccurrences(of: "▁", with: " ").utf8)
    }

    /// As the protocol's decode, without the space `encode` put in front.
    public func decode(_ ids: [Int]) -> String {
        let text = String(decoding: ids.flatMap { bytes(of: $0) }, as: UTF8.self)
        return addSpacePrefix && text.hasPrefix(" ") ? String(text.dropFirst()) : text
    }

    private func merge(_ text: String) -> [Int] {
        var symbols = text.map { String($0) }
        while symbols.count > 1 {
            var best: (score: Float, index: Int)?
            for i in 0..<(symbols.count - 1) {
                guard let id = ids[symbols[i] + symbols[i + 1]] else { continue }
                let score: Float
                if let ranks {
                    guard let rank = ranks[symbols[i] + "\u{1}" + symbols[i + 1]] else { continue }
                    score = -Float(rank)
                } else {
                    score = scores[id]
                }
                if score > (best?.score ?? -.infinity) { best = (score, i) }
            }
            guard let best else { break }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
        }
        return symbols.flatMap { symbol -> [Int] in
            if let id = ids[symbol] { return [id] }
            return symbol.utf8.map { byteTokens[Int($0)] ?? unknown }
        }
    }
}
