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

    /// Every matrix, in a fixed order.
    var matrices: [LinearWeight] {
        [tokenEmbedding] + (output.map { [$0] } ?? []) + layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] }
    }

    /// Whether every matrix is dense Float32.
    public var isDense: Bool { matrices.allSatisfy { $0.format == nil } }

    /// These weights with every block matrix dequantised to Float32 (dense ones shared).
    public func dequantized() -> LlamaWeights {
        func dense(_ w: LinearWeight) -> LinearWeight { w.format == nil ? w : .dense(w.floats) }
        var copy = self
        copy.tokenEmbedding = dense(tokenEmbedding)
        copy.output = output.map(dense)
        for l in copy.layers.indices {
            copy.layers[l].q = dense(layers[l].q)
            copy.layers[l].k = dense(layers[l].k)
            copy.layers[l].v = dense(layers[l].v)
            copy.layers[l].o = dense(layers[l].o)
            copy.layers[l].gate = dense(layers[l].gate)
            copy.layers[l].up = dense(layers[l].up)
            copy.layers[l].down = dense(layers[l].down)
        }
        return copy
    }
}
