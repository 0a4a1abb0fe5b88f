import Foundation
import Testing
@testable import Models

@Suite struct SafetensorsFolderTests {
    /// Writes F32 tensors as a safetensors file.
    static func writeSafetensors(_ path: String, _ tensors: [(String, [Int], [Float])]) {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for (name, shape, values) in tensors {
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [data.count, data.count + 4 * values.count]]
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        }
        let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes + Array(json) + data))
    }

    /// GGUF stores Q and K rows of each head interleaved (row 2i+j is Hugging Face's row
    /// j·headDim/2 + i); this undoes that.
    static func halvesLayout(_ w: [Float], heads: Int, headDim: Int, columns: Int) -> [Float] {
        var out = w
        let half = headDim / 2
        for head in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let from = head * headDim + 2 * i + j, to = head * headDim + j * half + i
                    for c in 0..<columns { out[to * columns + c] = w[from * columns + c] }
                }
            }
        }
        return out
    }

    @Test func aHuggingFaceFolderMatchesTheSameModelAsGGUF() throws {
        let gguf = try LanguageModel.load(gguf: temporaryFile(TinyGGUF.llama(types: [.f32]).bytes()))
        let c = gguf.model.config, w = gguf.model.weights
        let folder = NSTemporaryDirectory() + "gesal-hf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        var tensors: [(String, [Int], [Float])] = [("model.embed_tokens.weight", [c.vocabularySize, c.width], w.tokenEmbedding.floats),
                                                   ("model.norm.weight", [c.width], w.outputNorm)]
        for (l, layer) in w.layers.enumerated() {
            let p = "model.layers.\(l)."
            tensors += [
                (p + "input_layernorm.weight", [c.width], layer.attentionNorm),
                (p + "self_attn.q_proj.weight", [c.width, c.width], Self.halvesLayout(layer.q.floats, heads: c.heads, headDim: c.headDim, columns: c.width)),
                (p + "self_attn.k_proj.weight", [c.kvWidth, c.width], Self.halvesLayout(layer.k.floats, heads: c.kvHeads, headDim: c.headDim, columns: c.width)),
                (p + "self_attn.v_proj.weight", [c.kvWidth, c.width], layer.v.floats),
                (p + "self_attn.o_proj.weight", [c.width, c.width], layer.o.floats),
                (p + "post_attention_layernorm.weight", [c.width], layer.ffnNorm),
                (p + "mlp.gate_proj.weight", [c.hiddenWidth, c.width], layer.gate.floats),
                (p + "mlp.up_proj.weight", [c.hiddenWidth, c.width], layer.up.floats),
                (p + "mlp.down_proj.weight", [c.width, c.hiddenWidth], layer.down.floats),
            ]
        }
        Self.writeSafetensors(folder + "/model.safetensors", tensors)
        let config: [String: Any] = ["hidden_size": c.width, "intermediate_size": c.hiddenWidth, "num_hidden_layers": c.layers,
                                     "num_attention_heads": c.heads, "num_key_value_heads": c.kvHeads, "vocab_size": c.vocabularySize,
                                     "rms_norm_eps": 1e-5, "rope_theta": 10_000.0, "tie_word_embeddings": true, "eos_token_id": 2]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let bpe = gguf.tokenizer as! ByteLevelBPE
        var vocabulary: [String: Int] = [:]
        for (id, token) in bpe.tokens.enumerated() { vocabulary[token] = id }
        let tokenizer: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocabulary, "merges": [["h", "e"], ["l", "l"], ["he", "ll"], ["Ġ", "t"]]],
            "added_tokens": (0..<3).map { ["id": $0, "content": bpe.tokens[$0], "special": true] },
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true],
                                                                    ["type": "ByteLevel", "add_prefix_space": false]]],
        ]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        try JSONSerialization.data(withJSONObject: ["chat_template": "<|im_start|>{{ role }}", "eos_token": "<|im_end|>"])
            .write(to: URL(fileURLWithPath: folder + "/tokenizer_config.json"))

        let hf = try LanguageModel.load(folder)
        #expect(hf.model.config.ropeStyle == .halves && hf.template == .chatML && hf.stopTokens.contains(2))
        for text in ["hello there", "<|im_start|>user 123", "tell me"] {
            #expect(hf.tokenizer.encode(text) == gguf.tokenizer.encode(text), "\(text)")
        }
        let tokens = [1, 50, 60, 70, 80, 90]
        var a = gguf.model.makeCache(capacity: 8), b = hf.model.makeCache(capacity: 8)
        let difference = zip(gguf.model.forward(tokens, cache: &a), hf.model.forward(tokens, cache: &b)).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "max logit difference \(difference)")
    }

    @Test func brokenCheckpointsAreRefusedWithTheReason() throws {
        let folder = NSTemporaryDirectory() + "gesal-hf-bad-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: ModelError.self) { _ = try LanguageModel.load(folder) }
        _ = FileManager.default.createFile(atPath: folder + "/model.safetensors", contents: Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 1]))
        #expect {
            _ = try SafetensorsFile(path: folder + "/model.safetensors")
        } throws: { ($0 as? ModelError)?.code == .truncated }
    }
}
