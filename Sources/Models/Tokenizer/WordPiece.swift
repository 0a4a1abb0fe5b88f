import Foundation
import SystemIO

/// BERT's tokeniser for uncased models: lower-case, strip accents (NFD, drop combining marks),
/// split into runs of word characters and single other characters, then split each word into
/// the longest vocabulary pieces, continuing pieces prefixed with "##". Wrapped in [CLS] … [SEP].
public struct WordPiece: Tokenizer {
    public let tokens: [String]
    private let ids: [String: Int]
    private let unknown: Int, classify: Int, separator: Int
    /// Words longer than this become [UNK] (BERT's limit).
    private let maxWordLength = 100

    public var vocabularySize: Int { tokens.count }

    /// Reads `vocab.txt`: one token a line, the line number its id.
    public init(vocabularyFile path: String) throws(ModelError) {
        let bytes: [UInt8]
        do { bytes = try FileSystem().read(path) } catch { throw ModelError(.io, "\(error)", path: path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ModelError(.invalid, "the vocabulary is not UTF-8", path: path)
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, path: path)
    }

    public init(tokens: [String], path: String = "vocab") throws(ModelError) {
        self.tokens = tokens
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        guard let unknown = ids["[UNK]"], let classify = ids["[CLS]"], let separator = ids["[SEP]"] else {
            throw ModelError(.invalid, "vocabulary lacks [UNK], [CLS] or [SEP]", path: path)
        }
        self.unknown = unknown
        self.classify = classify
        self.separator = separator
    }

    public func encode(_ text: String) -> [Int] {
        [classify] + Self.words(text).flatMap(pieces) + [separator]
    }

    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0 && id < tokens.count else { return [] }
        let token = tokens[id]
        return Array((token.hasPrefix("##") ? String(token.dropFirst(2)) : token).utf8)
    }

    /// Lower-cased, accent-stripped words: runs of letters, numbers and "_", and single
    /// characters that are neither those nor space.
    static func words(_ text: String) -> [String] {
        let folded = text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
        func isWord(_ c: Unicode.Scalar) -> Bool { isLetter(c) || isNumber(c) || c == "_" }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for c in folded {
            if isWord(c) {
                current.append(c)
                continue
            }
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            if !isSpace(c) { words.append(String(c)) }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// Greedy longest-match-first split of one word.
    private func pieces(_ word: String) -> [Int] {
        let characters = Array(word.unicodeScalars)
        guard characters.count <= maxWordLength else { return [unknown] }
        var out: [Int] = []
        var start = 0
        while start < characters.count {
            var end = characters.count
            var found: Int?
            while start < end {
                var piece = String.UnicodeScalarView()
                piece.append(contentsOf: characters[start..<end])
                if let id = ids[(start == 0 ? "" : "##") + String(piece)] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknown] }
            out.append(found)
            start = end
        }
        return out
    }
}
