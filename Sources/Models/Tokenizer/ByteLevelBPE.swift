/// Byte-level BPE (GPT-2 style): text is split by a `PreTokenizer`, each piece's UTF-8 bytes
/// are mapped to printable characters, and adjacent symbols are merged in rank order. Special
/// tokens are matched in the raw text before any of that.
public struct ByteLevelBPE: Tokenizer {
    public let tokens: [String]
    public let preTokenizer: PreTokenizer
    /// Token text to id.
    private let ids: [String: Int]
    /// (left id, right id) packed into 64 bits -> (merge rank, merged id).
    private let merges: [UInt64: (rank: Int, id: Int)]
    /// Matched before pre-tokenisation.
    private let specials: SpecialTokens
    private let specialIDs: Set<Int>
    /// Byte -> its printable stand-in, and back.
    private let byteSymbols: [Int]
    private let symbolBytes: [Unicode.Scalar: UInt8]
    /// Whether a piece that is a whole token skips merging (Llama-3's `ignore_merges`).
    private let wholeTokens: Bool

    public var vocabularySize: Int { tokens.count }

    /// - Parameters:
    ///   - merges: "left right" pairs, in rank order.
    ///   - specialIDs: tokens matched verbatim in the input (control and user-defined tokens).
    public init(tokens: [String], merges: [String], specialIDs: Set<Int>, preTokenizer: PreTokenizer) {
        self.tokens = tokens
        self.preTokenizer = preTokenizer
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        var table: [UInt64: (Int, Int)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let space = merge.firstIndex(of: " ") else { continue }
            let left = String(merge[..<space]), right = String(merge[merge.index(after: space)...])
            guard let a = ids[left], let b = ids[right], let merged = ids[left + right] else { continue }
            let key = UInt64(a) << 32 | UInt64(b)
            if table[key] == nil { table[key] = (rank, merged) }
        }
        self.merges = table
        self.specialIDs = specialIDs
        self.specials = SpecialTokens(ids: specialIDs, tokens: tokens)
        let symbols = ByteLevelBPE.byteToSymbol()
        self.byteSymbols = symbols.map(Int.init)
        var back: [Unicode.Scalar: UInt8] = [:]
        for (byte, symbol) in symbols.enumerated() { back[Unicode.Scalar(symbol)!] = UInt8(byte) }
        self.symbolBytes = back
        self.wholeTokens = preTokenizer == .llama3
    }

    /// GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes map
    /// to themselves, the rest to U+0100 upwards in byte order.
    static func byteToSymbol() -> [UInt32] {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var map = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if printable.contains(byte) {
                map[byte] = UInt32(byte)
            } else {
                map[byte] = next
                next += 1
            }
        }
        return map
    }

    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        for segment in specials.split(text) {
            switch segment {
            case .special(let id): out.append(id)
            case .text(let piece):
                for word in preTokenizer.split(piece) { out += bpe(word) }
            }
        }
        return out
    }

    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0 && id < tokens.count else { return [] }
        if specialIDs.contains(id) { return Array(tokens[id].utf8) }
        var bytes: [UInt8] = []
        for scalar in tokens[id].unicodeScalars {
            if let byte = symbolBytes[scalar] { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
        }
        return bytes
    }

    /// BPE over one pre-token: start from one symbol per byte, merge the lowest-ranked
    /// adjacent pair until none is in the merge table.
    private func bpe(_ word: String) -> [Int] {
        var mapped = String.UnicodeScalarView()
        for byte in word.utf8 { mapped.append(Unicode.Scalar(UInt32(byteSymbols[Int(byte)]))!) }
        if wholeTokens, let id = ids[String(mapped)] { return [id] }
        var symbols = mapped.map { ids[String($0)] ?? 0 }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int, id: Int)? = nil
            for i in 0..<(symbols.count - 1) {
                if let merge = merges[UInt64(symbols[i]) << 32 | UInt64(symbols[i + 1])], merge.rank < (best?.rank ?? Int.max) {
                    best = (merge.rank, i, merge.id)
                }
            }
            guard let best else { break }
            symbols[best.index] = best.id
            symbols.remove(at: best.index + 1)
        }
        return symbols
    }
}
