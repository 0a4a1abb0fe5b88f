/// A Llama model's weights as dense Float32, row-major with one row per output (the layout of
/// GGUF's `[in, out]` tensors read back to front).
public struct LlamaWeights: Sendable {
    public struct Layer: Sendable {
        public var attentionNorm: [Float]
        public var q: [Float], k: [Float], v: [Float], o: [Float]
        /// Optional QKV biases (Qwen2).
        public var qBias: [Float]?, kBias: [Float]?, vBias: [Float]?
        public var ffnNorm: [Float]
        public var gate: [Float], up: [Float], down: [Float]

        public init(attentionNorm: [Float], q: [Float], k: [Float], v: [Float], o: [Float],
                    qBias: [Float]? = nil, kBias: [Float]? = nil, vBias: [Float]? = nil,
                    ffnNorm: [Float], gate: [Float], up: [Float], down: [Float]) {
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

    public var tokenEmbedding: [Float]
    public var layers: [Layer]
    public var outputNorm: [Float]
    /// The output head; nil when it is tied to the token embedding.
    public var output: [Float]?

    public init(tokenEmbedding: [Float], layers: [Layer], outputNorm: [Float], output: [Float]?) {
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
    }
}
