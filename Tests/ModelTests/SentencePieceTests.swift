import Foundation
import Testing
@testable import Models

@Suite struct SentencePieceTests {
    /// A small Llama-2-style vocabulary: <unk>, <s>, </s>, 256 byte tokens, then pieces with scores.
    static func vocabulary() -> (tokens: [String], scores: [Float], types: [Int]) {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types = [2, 3, 3]
        for byte in 0..<256 {
            let hex = String(byte, radix: 16, uppercase: true)
            tokens.append("<0x" + (hex.count == 1 ? "0" : "") + hex + ">")
            types.append(6)
        }
        let pieces: [(String, Float)] = [("▁", -1), ("h", -5), ("e", -5), ("l", -5), ("o", -5), ("w", -5), ("r", -5), ("d", -5),
                                         ("ll", -2), ("he", -3), ("▁he", -2.5), ("▁hell", -1.5), ("▁hello", -0.5), ("lo", -4),
                                         ("▁w", -3), ("or", -3.5), ("▁wor", -2), ("ld", -3), ("▁world", -1)]
        tokens += pieces.map(\.0)
        types += pieces.map { _ in 1 }
        return (tokens, [0, 0, 0] + Array(repeating: 0, count: 256) + pieces.map(\.1), types)
    }

    @Test func mergesByScoreFallsBackToBytesAndRoundTrips() {
        let v = Self.vocabulary()
        let tokenizer = SentencePieceBPE(tokens: v.tokens, scores: v.scores, types: v.types)
        func id(_ piece: String) -> Int { v.tokens.firstIndex(of: piece)! }
        #expect(tokenizer.encode("hello world") == [id("▁hello"), id("▁world")])
        // "é" has no piece: it falls back to its two UTF-8 bytes.
        #expect(tokenizer.encode("hé") == [id("▁"), id("h"), id("<0xC3>"), id("<0xA9>")])
        #expect(tokenizer.encode("<s>hello") == [1, id("▁hello")], "control tokens are matched verbatim")
        for text in ["hello world", "hé", "world hello  ", "dlrow", "日本"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text, "\(text)")
        }
    }

    @Test func aLlama2StyleGGUFLoadsWithItsTokenizerAndTemplate() throws {
        let v = Self.vocabulary()
        var file = TinyGGUF.llama(types: [.f32])
        file.metadata.removeAll { $0.0.hasPrefix("tokenizer.") }
        file.metadata += [("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .strings(v.tokens)),
                          ("tokenizer.ggml.token_type", .int32s(v.types.map(Int32.init))),
                          ("tokenizer.ggml.eos_token_id", .uint32(2)),
                          ("tokenizer.chat_template", .string("{{ bos_token + '[INST] ' + content + ' [/INST]' }}"))]
        // The embedding must match the new vocabulary's size.
        var rng = RandomSource(seed: 9)
        let index = file.tensors.firstIndex { $0.name == "token_embd.weight" }!
        file.tensors[index].dims = [64, v.tokens.count]
        file.tensors[index].data = TinyGGUF.weights(64 * v.tokens.count, type: .f32, rng: &rng)
        let model = try LanguageModel.load(gguf: temporaryFile(file.bytes()))
        #expect(model.template == .llama2 && model.stopTokens.contains(2))
        #expect(model.tokenizer is SentencePieceBPE)
        let generation = model.generate(prompt: "hello", parameters: SamplingParameters(maxTokens: 3))
        #expect(generation.promptTokens.first == 1, "the Llama 2 template starts with <s>")
    }
}

@Suite struct SentencePieceTokenizerJSONTests {
    /// A Llama-2-style tokenizer.json: BPE with byte fallback, "▁" normaliser, merges by rank.
    @Test func aSentencePieceTokenizerJSONLoadsAndMergesByRank() throws {
        let v = SentencePieceTests.vocabulary()
        var vocabulary: [String: Int] = [:]
        for (id, token) in v.tokens.enumerated() { vocabulary[token] = id }
        // "▁he" + "ll" is listed before "▁hell" + "o", so "hello" ends as ▁hello via those splits.
        let merges = ["l l", "▁ h", "h e", "▁h e", "▁ he", "▁he ll", "▁hell o", "▁ w", "o r", "▁w or", "l d", "▁wor ld"]
        let json: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocabulary, "merges": merges, "byte_fallback": true, "unk_token": "<unk>"],
            "normalizer": ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"], ["type": "Replace", "pattern": ["String": " "], "content": "▁"]]],
            "added_tokens": [["id": 0, "content": "<unk>", "special": true], ["id": 1, "content": "<s>", "special": true], ["id": 2, "content": "</s>", "special": true]],
        ]
        let path = temporaryFile(Array(try JSONSerialization.data(withJSONObject: json)), name: "tokenizer.json")
        let tokenizer = try loadTokenizerJSON(path)
        #expect(tokenizer is SentencePieceBPE)
        func id(_ piece: String) -> Int { v.tokens.firstIndex(of: piece)! }
        #expect(tokenizer.encode("hello world") == [id("▁hello"), id("▁world")])
        #expect(tokenizer.encode("hé") == [id("▁"), id("h"), id("<0xC3>"), id("<0xA9>")], "é has no token: it falls back to its bytes")
        #expect(tokenizer.decode(tokenizer.encode("hello world")) == "hello world")
        #expect(tokenizer.tokens[2] == "</s>")
    }

    /// Found by fuzzing: a null section and an out-of-range id used to stop the process.
    @Test func aTokenizerJSONWithANullPreTokenizerLoads() throws {
        let json = #"{"pre_tokenizer": null, "normalizer": {"type": "Prepend", "prepend": "▁"}, "model": {"type": "BPE", "byte_fallback": true, "vocab": {"▁": 0, "a": 1}, "merges": []}}"#
        let tokenizer = try loadTokenizerJSON(temporaryFile(Array(json.utf8), name: "tokenizer.json"))
        #expect(tokenizer.tokens == ["▁", "a"])
    }

    @Test func aTokenizerJSONWithANegativeIdIsRefusedByName() throws {
        let json = #"{"added_tokens": [{"id": -1, "content": "<bad>"}], "model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []}}"#
        #expect {
            try loadTokenizerJSON(temporaryFile(Array(json.utf8), name: "tokenizer.json"))
        } throws: { error in
            "\(error)".contains("added token '<bad>' has id -1")
        }
    }
}
