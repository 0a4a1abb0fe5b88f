/// A Llama model's weights: vectors as Float32, matrices as `LinearWeight`s (dense Float32 or
/// the file's quantised blocks), row-major with one row per output (the layout of GGUF's
/// `[in, out]` tensors read back to front).
public struct LlamaWeights: Sendable {
    public struct Layer: Sendable {
        public var attentionNorm: [Float]
        public var q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight
        /// Optional QKV biases (Qwen2).
        public var qBias: [Float]?, kBias: [Float]?, vBias: [Float]?
        public var ffnNorm: [Float]
        public var gate: LinearWeight, up: LinearWeight, down: LinearWeight

        public init(attentionNorm: [Float], q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight,
                    qBias: [Float]? = nil, kBias: [Float]? = nil, vBias: [Float]? = nil,
                    ffnNorm: [Float], gate: LinearWeight, up: LinearWeight, down: LinearWeight) {
            self.attentionNorm = attentionNorm
            self.q = q
            self.k = k
            self.v = v
            self.o = o
            self.qBias = qBias
            self.kBias = kBias
            self.vBias = vBias
            self.ffnNorm = ffnNorm
            self.gate = gate
            self.up = up
            self.down = down
        }
    }

    public var tokenEmbedding: LinearWeight
    public var layers: [Layer]
    public var outputNorm: [Float]
    /// The output head; nil when it is tied to the token embedding.
    public var output: LinearWeight?

    public init(tokenEmbedding: LinearWeight, layers: [Layer], outputNorm: [Float], output: LinearWeight?) {
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
    }
}
