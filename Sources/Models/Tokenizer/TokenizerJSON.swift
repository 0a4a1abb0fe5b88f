import Foundation

/// Reads a Hugging Face `tokenizer.json` whose model is byte-level BPE.
extension ByteLevelBPE {
    public init(tokenizerJSON path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = json["model"] as? [String: Any] else {
            throw ModelError(.io, "cannot read tokenizer.json", path: path)
        }
        guard model["type"] as? String == "BPE", let vocabulary = model["vocab"] as? [String: Int] else {
            throw ModelError(.invalid, "tokenizer model '\(model["type"] ?? "?")' is not BPE", path: path)
        }
        let preTokenizerText = String(decoding: (try? JSONSerialization.data(withJSONObject: json["pre_tokenizer"] ?? [:], options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        guard preTokenizerText.contains("ByteLevel") else {
            throw ModelError(.invalid, "only byte-level BPE tokenizers are supported (this one has no ByteLevel pre-tokenizer; SentencePiece-style tokenizer.json is not read yet)", path: path)
        }
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
        var added: [(Int, String, Bool)] = []
        for entry in json["added_tokens"] as? [[String: Any]] ?? [] {
            if let id = entry["id"] as? Int, let content = entry["content"] as? String { added.append((id, content, entry["special"] as? Bool ?? false)) }
        }
        let count = max((vocabulary.values.max() ?? -1) + 1, (added.map(\.0).max() ?? -1) + 1)
        guard count <= 10_000_000 else { throw ModelError(.invalid, "vocabulary of \(count) tokens", path: path) }
        var tokens = [String](repeating: "", count: count)
        for (token, id) in vocabulary where id >= 0 { tokens[id] = token }
        for (id, content, _) in added { tokens[id] = content }
        // Merges are "a b" strings, or ["a", "b"] pairs in newer files.
        let merges: [String] = (model["merges"] as? [Any] ?? []).compactMap { merge in
            if let text = merge as? String { return text }
            if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        // Every added token is matched verbatim, special or not, as Hugging Face does.
        self.init(tokens: tokens, merges: merges, specialIDs: Set(added.map(\.0)), preTokenizer: preTokenizer)
    }
}
