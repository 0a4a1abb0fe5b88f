@testable import Adaptation
import Models
import Tensor

/// A tiny random Llama built in memory (2 blocks, grouped-query attention), for gradient checks.
enum TinyLlama {
    static func make(seed: UInt64 = 1, vocabulary: Int = 40, width: Int = 16, hidden: Int = 24, heads: Int = 4, kvHeads: Int = 2, layers: Int = 2) -> LlamaModel {
        var random = RandomSource(seed: seed)
        func values(_ count: Int, scale: Float = 0.4) -> [Float] { (0..<count).map { _ in (Float(random.unit()) * 2 - 1) * scale } }
        func norm(_ count: Int) -> [Float] { (0..<count).map { _ in 1 + (Float(random.unit()) - 0.5) * 0.2 } }
        let config = LlamaConfig(vocabularySize: vocabulary, width: width, hiddenWidth: hidden, layers: layers, heads: heads, kvHeads: kvHeads,
                                 ropeBase: 10_000, rmsEpsilon: 1e-5, contextLength: 64)
        let kv = config.kvWidth
        let blocks = (0..<layers).map { _ in
            LlamaWeights.Layer(attentionNorm: norm(width), q: .dense(values(width * width)), k: .dense(values(kv * width)),
                               v: .dense(values(kv * width)), o: .dense(values(width * width)), ffnNorm: norm(width),
                               gate: .dense(values(hidden * width)), up: .dense(values(hidden * width)), down: .dense(values(width * hidden)))
        }
        return LlamaModel(config: config, weights: LlamaWeights(tokenEmbedding: .dense(values(vocabulary * width, scale: 1)), layers: blocks,
                                                                outputNorm: norm(width), output: nil), storage: .float32)
    }

    /// The same kind of model with every block matrix in Q8_0 blocks (inputs a multiple of 32),
    /// held as `storage` says.
    static func quantised(storage: WeightStorage, seed: UInt64 = 1) -> LlamaModel {
        let dense = make(seed: seed, width: 32, hidden: 64)
        func blocks(_ w: LinearWeight, _ kind: LinearKind) -> LinearWeight {
            let (outputs, inputs) = dense.shape(kind)
            return .blocks(QuantizedMatrix(format: .q8_0, outputs: outputs, inputs: inputs, bytes: Quantize.bytes(w.floats, as: .q8_0)))
        }
        var weights = dense.weights
        for l in weights.layers.indices {
            for kind in LinearKind.allCases { weights.layers[l][kind] = blocks(weights.layers[l][kind], kind) }
        }
        return LlamaModel(config: dense.config, weights: weights, storage: storage)
    }

    static func shape(_ model: LlamaModel, _ kind: LinearKind) -> (outputs: Int, inputs: Int) { model.shape(kind) }

    static func weight(_ model: LlamaModel, _ site: LinearSite) -> [Float] { model.weights.layers[site.layer][site.kind].floats }
}
