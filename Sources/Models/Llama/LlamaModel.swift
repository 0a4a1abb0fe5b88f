import Foundation
import Tensor

/// A Llama-family decoder: token embedding, then per block RMSNorm → attention with RoPE and
/// grouped-query heads → residual, RMSNorm → SwiGLU MLP → residual; final RMSNorm and the
/// output head (tied to the embedding or not).
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let weights: LlamaWeights

    public init(config: LlamaConfig, weights: LlamaWeights) {
        self.config = config
        self.weights = weights
    }

    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(config: config, capacity: capacity ?? config.contextLength)
    }

    /// Runs `tokens` at the positions after those already in `cache`, appends their keys and
    /// values to it, and returns the logits of the last token. A prompt runs as one batch of
    /// matrix products (prefill); a decode step is the same call with one token.
    public func forward(_ tokens: [Int], cache: inout KVCache) -> [Float] {
        let (c, e, t) = (config, config.width, tokens.count)
        let x = residualStream(tokens, cache: &cache)
        var last = [Float](repeating: 0, count: e)
        x.withUnsafeBufferPointer { xs in
            Ops.rmsNorm(xs.baseAddress! + (t - 1) * e, rows: 1, width: e, weight: weights.outputNorm, eps: c.rmsEpsilon, into: &last)
        }
        var logits = [Float](repeating: 0, count: c.vocabularySize)
        BLAS.matmulBT(m: 1, n: c.vocabularySize, k: e, a: last, b: weights.output ?? weights.tokenEmbedding, c: &logits)
        return logits
    }

    /// The model's own sentence embedding: the final hidden states (after the output norm) of
    /// `tokens`, averaged over positions and scaled to unit length.
    public func meanHiddenState(_ tokens: [Int]) -> [Float] {
        let (t, e) = (tokens.count, config.width)
        var cache = makeCache(capacity: t)
        let x = residualStream(tokens, cache: &cache)
        var normed = [Float](repeating: 0, count: t * e)
        Ops.rmsNorm(x, rows: t, width: e, weight: weights.outputNorm, eps: config.rmsEpsilon, into: &normed)
        var mean = [Float](repeating: 0, count: e)
        for row in 0..<t {
            for i in 0..<e { mean[i] += normed[row * e + i] / Float(t) }
        }
        let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
        return norm == 0 ? mean : mean.map { $0 / norm }
    }

    /// The blocks: the residual stream [t × width] after the last block, before the output norm.
    private func residualStream(_ tokens: [Int], cache: inout KVCache) -> [Float] {
        let c = config
        let t = tokens.count, start = cache.count, positions = start + t
        precondition(t > 0 && positions <= cache.capacity, "KV cache full: \(positions) positions, capacity \(cache.capacity)")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < c.vocabularySize }, "token id out of range")
        let (e, kv, hd, f) = (c.width, c.kvWidth, c.headDim, c.hiddenWidth)

        var x = [Float](repeating: 0, count: t * e)
        weights.tokenEmbedding.withUnsafeBufferPointer { table in
            for (row, token) in tokens.enumerated() {
                for i in 0..<e { x[row * e + i] = table[token * e + i] }
            }
        }
        var h = [Float](repeating: 0, count: t * e)
        var q = [Float](repeating: 0, count: t * e)
        var k = [Float](repeating: 0, count: t * kv)
        var v = [Float](repeating: 0, count: t * kv)
        var attended = [Float](repeating: 0, count: t * e)
        var scores = [Float](repeating: 0, count: t * positions)
        var gate = [Float](repeating: 0, count: t * f)
        var up = [Float](repeating: 0, count: t * f)
        let rope = Rope(config: c)
        let (cosines, sines) = rope.tables(start: start, count: t)
        let scale = 1 / Float(hd).squareRoot()
        let group = c.heads / c.kvHeads

        for (l, layer) in weights.layers.enumerated() {
            // Attention: project, rotate, remember, attend.
            Ops.rmsNorm(x, rows: t, width: e, weight: layer.attentionNorm, eps: c.rmsEpsilon, into: &h)
            BLAS.matmulBT(m: t, n: e, k: e, a: h, b: layer.q, c: &q)
            BLAS.matmulBT(m: t, n: kv, k: e, a: h, b: layer.k, c: &k)
            BLAS.matmulBT(m: t, n: kv, k: e, a: h, b: layer.v, c: &v)
            if let bias = layer.qBias { Ops.addRows(&q, rows: t, bias: bias, width: e) }
            if let bias = layer.kBias { Ops.addRows(&k, rows: t, bias: bias, width: kv) }
            if let bias = layer.vBias { Ops.addRows(&v, rows: t, bias: bias, width: kv) }
            rope.rotate(&q, rows: t, heads: c.heads, cosines: cosines, sines: sines)
            rope.rotate(&k, rows: t, heads: c.kvHeads, cosines: cosines, sines: sines)
            cache.keys[l].withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: start * kv).update(from: k, count: t * kv) }
            cache.values[l].withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: start * kv).update(from: v, count: t * kv) }

            cache.keys[l].withUnsafeBufferPointer { keys in
                cache.values[l].withUnsafeBufferPointer { values in
                    for head in 0..<c.heads {
                        let kvHead = head / group
                        // scores[t × positions] = q_head · K_headᵀ / √hd
                        q.withUnsafeBufferPointer { qp in
                            BLAS.matmulBT(m: t, n: positions, k: hd, alpha: scale, a: qp.baseAddress! + head * hd, lda: e,
                                          b: keys.baseAddress! + kvHead * hd, ldb: kv, c: &scores)
                        }
                        scores.withUnsafeMutableBufferPointer { s in
                            for row in 0..<t {
                                let visible = start + row + 1  // causal: positions 0...start+row
                                let r = s.baseAddress! + row * positions
                                for p in visible..<positions { r[p] = 0 }
                                Ops.softmax(r, count: visible)
                            }
                        }
                        // attended_head[t × hd] = scores · V_head
                        attended.withUnsafeMutableBufferPointer { out in
                            BLAS.matmul(m: t, n: hd, k: positions, a: scores, b: values.baseAddress! + kvHead * hd, ldb: kv,
                                        c: out.baseAddress! + head * hd, ldc: e)
                        }
                    }
                }
            }
            BLAS.matmulBT(m: t, n: e, k: e, a: attended, b: layer.o, beta: 1, c: &x)  // x += attended · Woᵀ

            // MLP: x += down(silu(gate(h)) · up(h)).
            Ops.rmsNorm(x, rows: t, width: e, weight: layer.ffnNorm, eps: c.rmsEpsilon, into: &h)
            BLAS.matmulBT(m: t, n: f, k: e, a: h, b: layer.gate, c: &gate)
            BLAS.matmulBT(m: t, n: f, k: e, a: h, b: layer.up, c: &up)
            Ops.swiglu(gate: &gate, up: up, count: t * f)
            BLAS.matmulBT(m: t, n: e, k: f, a: gate, b: layer.down, beta: 1, c: &x)
        }
        cache.count = positions
        return x
    }
}
