@testable import Adaptation
import Models

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
                                                                outputNorm: norm(width), output: nil))
    }

    static func shape(_ model: LlamaModel, _ kind: LinearKind) -> (outputs: Int, inputs: Int) { model.shape(kind) }

    static func weight(_ model: LlamaModel, _ site: LinearSite) -> [Float] { model.weights.layers[site.layer][site.kind].floats }
}
