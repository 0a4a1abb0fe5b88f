/// Builds a `LlamaModel` from a GGUF file: reads the shape from metadata, checks every tensor's
/// shape against it, and dequantises the weights to Float32.
extension LlamaModel {
    public convenience init(gguf: GGUFFile) throws(ModelError) {
        let arch = try gguf.string("general.architecture")
        guard ["llama", "qwen2", "mistral"].contains(arch) else {
            throw ModelError(.invalid, "architecture '\(arch)' is not a Llama-family model (llama, qwen2, mistral)", path: gguf.path)
        }
        let width = try gguf.int("\(arch).embedding_length")
        let heads = try gguf.int("\(arch).attention.head_count")
        let embedding = try gguf.tensor("token_embd.weight")
        let scaling = gguf.metadata["\(arch).rope.scaling.type"]?.string ?? "none"
        guard scaling == "none" || scaling == "linear" else {
            throw ModelError(.invalid, "RoPE scaling '\(scaling)' is not supported (GESAL reads none and linear, and rope_freqs factors)", path: gguf.path)
        }
        let ropeScale = scaling == "linear" ? gguf.metadata["\(arch).rope.scaling.factor"]?.double ?? 1 : 1
        guard ropeScale > 0 else { throw ModelError(.invalid, "RoPE scaling factor \(ropeScale)", path: gguf.path) }
        var config = LlamaConfig(
            vocabularySize: embedding.dims.count == 2 ? embedding.dims[1] : 0,
            width: width,
            hiddenWidth: try gguf.int("\(arch).feed_forward_length"),
            layers: try gguf.int("\(arch).block_count"),
            heads: heads,
            kvHeads: gguf.metadata["\(arch).attention.head_count_kv"]?.int ?? heads,
            ropeBase: gguf.metadata["\(arch).rope.freq_base"]?.double ?? 10_000,
            rmsEpsilon: Float(try gguf.double("\(arch).attention.layer_norm_rms_epsilon")),
            contextLength: gguf.metadata["\(arch).context_length"]?.int ?? 2048,
            ropeStyle: arch == "qwen2" ? .halves : .interleaved, ropeScale: ropeScale)
        guard config.heads > 0, config.kvHeads > 0, config.heads % config.kvHeads == 0, width % heads == 0,
              config.layers > 0, config.layers <= 1024, (width / heads) % 2 == 0 else {
            throw ModelError(.invalid, "inconsistent shape: width \(width), \(heads) heads, \(config.kvHeads) KV heads, \(config.layers) layers", path: gguf.path)
        }
        let (e, kv, f) = (config.width, config.kvWidth, config.hiddenWidth)
        if gguf.tensors["rope_freqs.weight"] != nil {
            config.ropeFrequencyFactors = try gguf.floats("rope_freqs.weight", shape: [config.headDim / 2])
        }
        func optional(_ name: String, _ shape: [Int]) throws(ModelError) -> [Float]? {
            gguf.tensors[name] == nil ? nil : try gguf.floats(name, shape: shape)
        }
        var layers: [LlamaWeights.Layer] = []
        for l in 0..<config.layers {
            let p = "blk.\(l)."
            layers.append(LlamaWeights.Layer(
                attentionNorm: try gguf.floats(p + "attn_norm.weight", shape: [e]),
                q: try gguf.floats(p + "attn_q.weight", shape: [e, e]),
                k: try gguf.floats(p + "attn_k.weight", shape: [e, kv]),
                v: try gguf.floats(p + "attn_v.weight", shape: [e, kv]),
                o: try gguf.floats(p + "attn_output.weight", shape: [e, e]),
                qBias: try optional(p + "attn_q.bias", [e]),
                kBias: try optional(p + "attn_k.bias", [kv]),
                vBias: try optional(p + "attn_v.bias", [kv]),
                ffnNorm: try gguf.floats(p + "ffn_norm.weight", shape: [e]),
                gate: try gguf.floats(p + "ffn_gate.weight", shape: [e, f]),
                up: try gguf.floats(p + "ffn_up.weight", shape: [e, f]),
                down: try gguf.floats(p + "ffn_down.weight", shape: [f, e])))
        }
        let weights = LlamaWeights(
            tokenEmbedding: try gguf.floats("token_embd.weight", shape: [e, config.vocabularySize]),
            layers: layers,
            outputNorm: try gguf.floats("output_norm.weight", shape: [e]),
            output: try optional("output.weight", [e, config.vocabularySize]))
        self.init(config: config, weights: weights)
    }
}
