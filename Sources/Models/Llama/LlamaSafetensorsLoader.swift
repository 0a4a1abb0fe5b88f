import Foundation

/// Builds a `LlamaModel` from a Hugging Face checkpoint folder: `config.json` and
/// `model.safetensors` (or the shards listed in `model.safetensors.index.json`). Hugging Face
/// keeps Q and K in the halves layout, so RoPE runs in that style.
extension LlamaModel {
    public convenience init(safetensorsFolder folder: String) throws(ModelError) {
        let json = try JSONObjectFile(path: folder + "/config.json")
        let configPath = json.path
        let heads = try json.int("num_attention_heads")
        var config = LlamaConfig(
            vocabularySize: try json.int("vocab_size"), width: try json.int("hidden_size"), hiddenWidth: try json.int("intermediate_size"),
            layers: try json.int("num_hidden_layers"), heads: heads, kvHeads: json["num_key_value_heads"] as? Int ?? heads,
            ropeBase: json["rope_theta"] as? Double ?? 10_000, rmsEpsilon: Float(json["rms_norm_eps"] as? Double ?? 1e-5),
            contextLength: json["max_position_embeddings"] as? Int ?? 2048, ropeStyle: .halves)
        guard config.heads > 0, config.kvHeads > 0, config.heads % config.kvHeads == 0, config.width % config.heads == 0 else {
            throw ModelError(.invalid, "inconsistent shape in config.json", path: configPath)
        }
        if let scaling = json["rope_scaling"] as? [String: Any] {
            let type = scaling["rope_type"] as? String ?? scaling["type"] as? String ?? "default"
            let factor = scaling["factor"] as? Double ?? 1
            switch type {
            case "default": break
            case "linear": config.ropeScale = factor
            case "llama3":
                config.ropeFrequencyFactors = LlamaConfig.llama3FrequencyFactors(
                    headDim: config.headDim, base: config.ropeBase, factor: factor,
                    lowFrequencyFactor: scaling["low_freq_factor"] as? Double ?? 1,
                    highFrequencyFactor: scaling["high_freq_factor"] as? Double ?? 4,
                    originalContext: Double(scaling["original_max_position_embeddings"] as? Int ?? 8192))
            default:
                throw ModelError(.invalid, "rope_scaling type '\(type)' is not supported (default, linear, llama3)", path: configPath)
            }
        }
        let files = try Self.safetensorsFiles(folder)
        func tensor(_ name: String, _ shape: [Int]) throws(ModelError) -> [Float] {
            guard let file = files.first(where: { $0.tensors[name] != nil }) else {
                throw ModelError(.missingTensor, "no tensor named \(name)", path: folder, tensor: name)
            }
            return try file.floats(name, shape: shape)
        }
        func optional(_ name: String, _ shape: [Int]) throws(ModelError) -> [Float]? {
            files.contains { $0.tensors[name] != nil } ? try tensor(name, shape) : nil
        }
        let (e, kv, f, v) = (config.width, config.kvWidth, config.hiddenWidth, config.vocabularySize)
        var layers: [LlamaWeights.Layer] = []
        for l in 0..<config.layers {
            let p = "model.layers.\(l)."
            layers.append(LlamaWeights.Layer(
                attentionNorm: try tensor(p + "input_layernorm.weight", [e]),
                q: .dense(try tensor(p + "self_attn.q_proj.weight", [e, e])), k: .dense(try tensor(p + "self_attn.k_proj.weight", [kv, e])),
                v: .dense(try tensor(p + "self_attn.v_proj.weight", [kv, e])), o: .dense(try tensor(p + "self_attn.o_proj.weight", [e, e])),
                qBias: try optional(p + "self_attn.q_proj.bias", [e]), kBias: try optional(p + "self_attn.k_proj.bias", [kv]),
                vBias: try optional(p + "self_attn.v_proj.bias", [kv]),
                ffnNorm: try tensor(p + "post_attention_layernorm.weight", [e]),
                gate: .dense(try tensor(p + "mlp.gate_proj.weight", [f, e])), up: .dense(try tensor(p + "mlp.up_proj.weight", [f, e])),
                down: .dense(try tensor(p + "mlp.down_proj.weight", [e, f]))))
        }
        let tied = json["tie_word_embeddings"] as? Bool ?? false
        self.init(config: config, weights: LlamaWeights(
            tokenEmbedding: .dense(try tensor("model.embed_tokens.weight", [v, e])), layers: layers,
            outputNorm: try tensor("model.norm.weight", [e]),
            output: tied ? nil : try optional("lm_head.weight", [v, e]).map(LinearWeight.dense)), storage: .float32)
    }

    /// The checkpoint's safetensors files: one, or the shards its index names.
    static func safetensorsFiles(_ folder: String) throws(ModelError) -> [SafetensorsFile] {
        let single = folder + "/model.safetensors"
        if FileManager.default.fileExists(atPath: single) { return [try SafetensorsFile(path: single)] }
        let indexPath = folder + "/model.safetensors.index.json"
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw ModelError(.io, "neither model.safetensors nor model.safetensors.index.json is here", path: folder)
        }
        guard let map = try JSONObjectFile(path: indexPath)["weight_map"] as? [String: String] else {
            throw ModelError(.invalid, "has no weight_map of tensor names to shard files", path: indexPath)
        }
        var files: [SafetensorsFile] = []
        for shard in Set(map.values).sorted() {
            guard !shard.contains("/") else { throw ModelError(.invalid, "shard name '\(shard)' leaves the folder", path: indexPath) }
            files.append(try SafetensorsFile(path: folder + "/" + shard))
        }
        return files
    }
}
