import Tensor

/// Builds a `LlamaModel` from a GGUF file: reads the shape from metadata, checks every tensor's
/// shape against it, and dequantises the weights to Float32 or keeps their blocks.
extension LlamaModel {
    /// `storage` says how matrices are held: `.float32` dequantises them all; the others keep
    /// the quantised ones in their file format (F16, BF16 and F32 matrices become Float32).
    public convenience init(gguf: GGUFFile, storage: WeightStorage = .float32) throws(ModelError) {
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
                q: try gguf.linear(p + "attn_q.weight", shape: [e, e], storage),
                k: try gguf.linear(p + "attn_k.weight", shape: [e, kv], storage),
                v: try gguf.linear(p + "attn_v.weight", shape: [e, kv], storage),
                o: try gguf.linear(p + "attn_output.weight", shape: [e, e], storage),
                qBias: try optional(p + "attn_q.bias", [e]),
                kBias: try optional(p + "attn_k.bias", [kv]),
                vBias: try optional(p + "attn_v.bias", [kv]),
                ffnNorm: try gguf.floats(p + "ffn_norm.weight", shape: [e]),
                gate: try gguf.linear(p + "ffn_gate.weight", shape: [e, f], storage),
                up: try gguf.linear(p + "ffn_up.weight", shape: [e, f], storage),
                down: try gguf.linear(p + "ffn_down.weight", shape: [f, e], storage)))
        }
        let weights = LlamaWeights(
            tokenEmbedding: try gguf.linear("token_embd.weight", shape: [e, config.vocabularySize], storage),
            layers: layers,
            outputNorm: try gguf.floats("output_norm.weight", shape: [e]),
            output: gguf.tensors["output.weight"] == nil ? nil : try gguf.linear("output.weight", shape: [e, config.vocabularySize], storage))
        self.init(config: config, weights: weights, storage: storage)
    }
}

extension GGUFFile {
    /// A matrix tensor as `storage` asks, checking its shape (GGUF order) first.
    func linear(_ name: String, shape: [Int], _ storage: WeightStorage) throws(ModelError) -> LinearWeight {
        let info = try tensor(name)
        guard storage.keepsBlocks, let format = info.type.blockFormat, shape.count == 2, info.dims == shape else {
            return .dense(try floats(name, shape: shape))
        }
        return .blocks(QuantizedMatrix(format: format, outputs: shape[1], inputs: shape[0], bytes: Array(data(of: info))))
    }
}
