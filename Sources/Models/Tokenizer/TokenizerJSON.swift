import Foundation

/// Reads a Hugging Face `tokenizer.json` with a BPE model: byte-level (GPT-2, Llama 3, Qwen2,
/// SmolLM) or SentencePiece-style with byte fallback (Llama 2, Mistral).
public func loadTokenizerJSON(_ path: String) throws(ModelError) -> any Tokenizer {
    let json = try JSONObjectFile(path: path).values
    guard let model = json["model"] as? [String: Any] else {
        throw ModelError(.invalid, "has no \"model\" object", path: path)
    }
    guard model["type"] as? String == "BPE", let vocabulary = model["vocab"] as? [String: Int] else {
        throw ModelError(.invalid, "tokenizer model '\(model["type"] ?? "?")' is not BPE", path: path)
    }
    /// A section as canonical JSON text; "" when it is missing or `null` (as many files write an
    /// unused pre-tokenizer or normalizer), which JSONSerialization cannot serialise.
    func text(_ key: String) -> String {
        guard let section = json[key], JSONSerialization.isValidJSONObject(section) else { return "" }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: section, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }
    var added: [(id: Int, content: String)] = []
    for entry in json["added_tokens"] as? [[String: Any]] ?? [] {
        if let id = entry["id"] as? Int, let content = entry["content"] as? String { added.append((id, content)) }
    }
    // Ids index the token table: a negative or huge one is refused before anything is allocated.
    let limit = 10_000_000
    if let (token, id) = vocabulary.first(where: { !(0..<limit).contains($0.value) }) {
        throw ModelError(.invalid, "token '\(token.prefix(40))' has id \(id), outside 0..<\(limit)", path: path)
    }
    if let (id, content) = added.first(where: { !(0..<limit).contains($0.id) }) {
        throw ModelError(.invalid, "added token '\(content.prefix(40))' has id \(id), outside 0..<\(limit)", path: path)
    }
    let count = max((vocabulary.values.max() ?? -1) + 1, (added.map(\.id).max() ?? -1) + 1)
    var tokens = [String](repeating: "", count: count)
    for (token, id) in vocabulary { tokens[id] = token }
    for (id, content) in added { tokens[id] = content }
    // Merges are "a b" strings, or ["a", "b"] pairs in newer files.
    let merges: [String] = (model["merges"] as? [Any] ?? []).compactMap { merge in
        if let text = merge as? String { return text }
        if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
        return nil
    }
    let preTokenizerText = text("pre_tokenizer")
    if preTokenizerText.contains("ByteLevel") {
        // Every added token is matched verbatim, special or not, as Hugging Face does.
        return ByteLevelBPE(tokens: tokens, merges: merges, specialIDs: Set(added.map(\.id)),
                            preTokenizer: ByteLevelBPE.preTokenizer(fromJSON: preTokenizerText))
    }
    let normalizerText = text("normalizer")
    guard model["byte_fallback"] as? Bool == true || normalizerText.contains("▁") || preTokenizerText.contains("Metaspace") else {
        throw ModelError(.invalid, "a BPE tokenizer.json that is neither byte-level nor SentencePiece-style (no ByteLevel, Metaspace or byte fallback)", path: path)
    }
    var types = [Int](repeating: 1, count: count)
    for (id, token) in tokens.enumerated() where token.hasPrefix("<0x") && token.hasSuffix(">") && token.count == 6 { types[id] = 6 }
    if let unknown = model["unk_token"] as? String, let id = tokens.firstIndex(of: unknown) { types[id] = 2 }
    for (id, _) in added { types[id] = 3 }
    let prefix = normalizerText.contains("Prepend") || preTokenizerText.contains("\"add_prefix_space\":true")
        || preTokenizerText.contains("\"prepend_scheme\":\"first\"") || preTokenizerText.contains("\"prepend_scheme\":\"always\"")
    return SentencePieceBPE(tokens: tokens, order: .merges(merges), types: types, addSpacePrefix: prefix)
}

extension ByteLevelBPE {
    /// The pre-tokeniser a byte-level `tokenizer.json` describes, told apart by its regex.
    static func preTokenizer(fromJSON preTokenizerText: String) -> PreTokenizer {
        let preTokenizer: PreTokenizer
        if preTokenizerText.contains("\\\\p{N}{1,3}") {
            preTokenizer = .llama3
        } else if preTokenizerText.contains("(?i:'s|'t") {
            preTokenizer = .qwen2
        } else if preTokenizerText.contains("\"individual_digits\":true") {
            preTokenizer = .smollm
        } else {
            preTokenizer = .gpt2
        }
        return preTokenizer
    }
}
