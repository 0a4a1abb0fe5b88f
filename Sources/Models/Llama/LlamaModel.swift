import Foundation
import SystemIO
import Tensor

/// A Llama-family decoder: token embedding, then per block RMSNorm → attention with RoPE and
/// grouped-query heads → residual, RMSNorm → SwiGLU MLP → residual; final RMSNorm and the
/// output head (tied to the embedding or not).
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    /// What decoding reads: dense Float32 or quantised blocks, matrix by matrix.
    public let weights: LlamaWeights
    /// The weights as dense Float32, made at the first `denseWeights` when some are blocks.
    private let dense: Locked<LlamaWeights?>
    private let makeDense: @Sendable () -> LlamaWeights
    /// How the matrices are held: `.float32` when every one is dense, else the storage asked
    /// for at load (which also says how adapters merge: `LlamaModel.merging`).
    public let storage: WeightStorage

    /// `storage` is what was asked for; dense weights are `.float32` whatever it says.
    public convenience init(config: LlamaConfig, weights: LlamaWeights, storage: WeightStorage) {
        self.init(config: config, weights: weights, storage: storage) { weights.dequantized() }
    }

    /// A model whose dense weights, when first needed, come from `makeDense` (a merged model
    /// takes its base's and replaces the matrices it adapted, instead of dequantising again).
    public init(config: LlamaConfig, weights: LlamaWeights, storage: WeightStorage, makeDense: @escaping @Sendable () -> LlamaWeights) {
        self.config = config
        self.weights = weights
        self.dense = Locked(weights.isDense ? weights : nil)
        self.makeDense = makeDense
        self.storage = weights.isDense ? .float32 : storage
    }

    /// The weights as dense Float32, what training reads (its gradients are exact Float32):
    /// `weights` itself when every matrix is dense, else the blocks dequantised once and kept.
    /// Dequantising is exact, so training runs the same numbers on either storage.
    public var denseWeights: LlamaWeights {
        dense.withLock { kept in
            if let kept { return kept }
            let made = makeDense()
            kept = made
            return made
        }
    }

    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(config: config, capacity: capacity ?? config.contextLength)
    }

    /// Runs `tokens` at the positions after those already in `cache`, appends their keys and
    /// values to it, and returns the logits of the last token: `step` for one sequence, so a
    /// prompt read here gives the numbers it gives read with others.
    public func forward(_ tokens: [Int], cache: inout KVCache) -> [Float] {
        // The cache moves into the array and back, so that growing it never copies it.
        var caches = [cache]
        cache = .empty
        defer { cache = caches[0] }
        return step([tokens], caches: &caches)[0]
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

    /// Reads a prompt on its own through OpenBLAS and returns its last token's logits: faster
    /// than `step` on long prompts, but a row's bits depend on the product it is in, so this
    /// must always read a prompt by itself (`LanguageModel.generate` does so for prompts longer
    /// than `LanguageModel.longPrompt`, alone or in a batch).
    public func prefill(_ tokens: [Int], cache: inout KVCache) -> [Float] {
        let x = residualStream(tokens, cache: &cache)
        return outputLogits(x, rows: [tokens.count - 1])[0]
    }

    /// One step of several sequences at once: sequence i reads `runs[i]` (its prompt when it
    /// starts, then one token per step) at the positions after those in `caches[i]`, whose
    /// keys and values grow by as many; returns the logits of each run's last token. The
    /// linear layers run as one product over all the rows, so their weights are read once for
    /// all; attention runs per sequence on its own cache. A row's numbers do not depend on the
    /// other rows (`RowProducts`), so a sequence reads its prompt and decodes to the same
    /// tokens alone or in any batch, joining at any step (`BatchedDecodingTests` checks it bit
    /// for bit).
    public func step(_ runs: [[Int]], caches: inout [KVCache]) -> [[Float]] {
        precondition(runs.count == caches.count && !runs.isEmpty && runs.allSatisfy { !$0.isEmpty }, "one run of tokens per cache")
        var segments: [Segment] = []
        for (i, run) in runs.enumerated() { segments.append(Segment(cache: i, firstRow: (segments.last.map { $0.firstRow + $0.rows } ?? 0), rows: run.count)) }
        let x = residualStream(runs.flatMap { $0 }, segments: segments, caches: &caches, rowIndependent: true)
        return outputLogits(x, rows: segments.map { $0.firstRow + $0.rows - 1 })
    }

    /// A step in which sequence i reads the one token `tokens[i]`.
    public func decode(_ tokens: [Int], caches: inout [KVCache]) -> [[Float]] {
        step(tokens.map { [$0] }, caches: &caches)
    }

    /// One sequence's run of rows in a batch: its cache, and where its rows are.
    struct Segment {
        var cache: Int
        var firstRow: Int
        var rows: Int
    }

    /// The logits of the given rows of the residual stream, after the output norm. The head's
    /// product is `RowProducts`' for every caller, so a sequence's logits never depend on
    /// the rows computed with it.
    private func outputLogits(_ x: [Float], rows: [Int]) -> [[Float]] {
        let (c, e) = (config, config.width)
        var normed = [Float](repeating: 0, count: rows.count * e)
        x.withUnsafeBufferPointer { xs in
            for (i, row) in rows.enumerated() {
                normed.withUnsafeMutableBufferPointer { out in
                    Ops.rmsNorm(xs.baseAddress! + row * e, rows: 1, width: e, weight: weights.outputNorm, eps: c.rmsEpsilon, into: out.baseAddress! + i * e)
                }
            }
        }
        var logits = [Float](repeating: 0, count: rows.count * c.vocabularySize)
        (weights.output ?? weights.tokenEmbedding).multiply(normed, rows: rows.count, outputs: c.vocabularySize, inputs: e, into: &logits)
        return rows.indices.map { Array(logits[($0 * c.vocabularySize)..<(($0 + 1) * c.vocabularySize)]) }
    }

    /// The blocks for one sequence's `tokens` at the positions after those in `cache`, through
    /// OpenBLAS.
    private func residualStream(_ tokens: [Int], cache: inout KVCache) -> [Float] {
        var caches = [cache]
        cache = .empty
        defer { cache = caches[0] }
        return residualStream(tokens, segments: [Segment(cache: 0, firstRow: 0, rows: tokens.count)], caches: &caches, rowIndependent: false)
    }

    /// The blocks: the residual stream [rows × width] after the last block, before the output
    /// norm. Each segment's rows run at the positions after those in its cache (a prompt is
    /// one segment of many rows; a decoding sequence one row). Linear layers are one product
    /// over all rows: `RowProducts`' when `rowIndependent`, whose sums for a row do not depend
    /// on the other rows, so a sequence's numbers are the same alone as in any batch; else
    /// OpenBLAS's, whose bits for a row depend on the product (docs/architecture.md).
    private func residualStream(_ tokens: [Int], segments: [Segment], caches: inout [KVCache], rowIndependent: Bool) -> [Float] {
        let c = config
        precondition(segments.reduce(0) { $0 + $1.rows } == tokens.count && !tokens.isEmpty, "segments must cover the tokens")
        for segment in segments {
            let positions = caches[segment.cache].count + segment.rows
            precondition(positions <= caches[segment.cache].capacity, "KV cache full: \(positions) positions, capacity \(caches[segment.cache].capacity)")
        }
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < c.vocabularySize }, "token id out of range")
        let (e, kv, f) = (c.width, c.kvWidth, c.hiddenWidth)
        let t = tokens.count
        /// y[t × n] = a[t × k] · wᵀ, or y += it. Quantised blocks always multiply row by row.
        func product(_ a: [Float], _ w: LinearWeight, n: Int, k: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
            a.withUnsafeBufferPointer { a in
                if case .dense(let dense) = w, !rowIndependent {
                    dense.withUnsafeBufferPointer { BLAS.matmulBT(m: t, n: n, k: k, a: a.baseAddress!, b: $0.baseAddress!, beta: accumulate ? 1 : 0, c: y) }
                } else {
                    w.multiply(a.baseAddress!, rows: t, outputs: n, inputs: k, into: y, accumulate: accumulate)
                }
            }
        }
        func linear(_ a: [Float], _ w: LinearWeight, n: Int, k: Int, into y: inout [Float], accumulate: Bool = false) {
            y.withUnsafeMutableBufferPointer { product(a, w, n: n, k: k, into: $0.baseAddress!, accumulate: accumulate) }
        }
        /// The products of the same rows `a` with several weights (q, k and v; gate and up),
        /// each into its own place. When all are held in blocks they share one quantisation of
        /// `a` and one job on the pool (`QuantizedMatrix.multiply(_:rows:by:)`), and then any
        /// low-rank terms beside them are added; else each runs as `linear` does. Each product
        /// gives the bits it gives alone.
        func linears(_ a: [Float], _ weights: [(w: LinearWeight, n: Int, into: UnsafeMutablePointer<Float>)], k: Int) {
            let blocks = weights.compactMap(\.w.blocks)
            guard blocks.count == weights.count else {
                for (w, n, y) in weights { product(a, w, n: n, k: k, into: y) }
                return
            }
            a.withUnsafeBufferPointer { xs in
                QuantizedMatrix.multiply(xs.baseAddress!, rows: t, by: zip(blocks, weights).map { QuantizedMatrix.Product($0, into: $1.into) })
                for (w, _, y) in weights {
                    guard case .blocksBeside(_, let terms) = w else { continue }
                    for term in terms { term.addProduct(xs.baseAddress!, rows: t, into: y) }
                }
            }
        }

        var x = [Float](repeating: 0, count: t * e)
        x.withUnsafeMutableBufferPointer { out in
            for (row, token) in tokens.enumerated() { weights.tokenEmbedding.copyRow(token, width: e, into: out.baseAddress! + row * e) }
        }
        var h = [Float](repeating: 0, count: t * e)
        var q = [Float](repeating: 0, count: t * e)
        var k = [Float](repeating: 0, count: t * kv)
        var v = [Float](repeating: 0, count: t * kv)
        var attended = [Float](repeating: 0, count: t * e)
        var gate = [Float](repeating: 0, count: t * f)
        var up = [Float](repeating: 0, count: t * f)
        let rope = Rope(config: c)
        let tables = segments.map { rope.tables(start: caches[$0.cache].count, count: $0.rows) }

        for (l, layer) in weights.layers.enumerated() {
            // Attention: project, rotate, remember, attend.
            Ops.rmsNorm(x, rows: t, width: e, weight: layer.attentionNorm, eps: c.rmsEpsilon, into: &h)
            q.withUnsafeMutableBufferPointer { qs in
                k.withUnsafeMutableBufferPointer { ks in
                    v.withUnsafeMutableBufferPointer { vs in
                        linears(h, [(layer.q, e, qs.baseAddress!), (layer.k, kv, ks.baseAddress!), (layer.v, kv, vs.baseAddress!)], k: e)
                    }
                }
            }
            if let bias = layer.qBias { Ops.addRows(&q, rows: t, bias: bias, width: e) }
            if let bias = layer.kBias { Ops.addRows(&k, rows: t, bias: bias, width: kv) }
            if let bias = layer.vBias { Ops.addRows(&v, rows: t, bias: bias, width: kv) }
            for (segment, (cosines, sines)) in zip(segments, tables) {
                q.withUnsafeMutableBufferPointer { rope.rotate($0.baseAddress! + segment.firstRow * e, rows: segment.rows, heads: c.heads, cosines: cosines, sines: sines) }
                k.withUnsafeMutableBufferPointer { rope.rotate($0.baseAddress! + segment.firstRow * kv, rows: segment.rows, heads: c.kvHeads, cosines: cosines, sines: sines) }
                remember(layer: l, segment: segment, k: k, v: v, cache: &caches[segment.cache])
                if segment.rows > 1 { attend(layer: l, segment: segment, q: q, cache: caches[segment.cache], into: &attended) }
            }
            attendSingleRows(layer: l, segments: segments.filter { $0.rows == 1 }, q: q, caches: caches, into: &attended)
            linear(attended, layer.o, n: e, k: e, into: &x, accumulate: true)  // x += attended · Woᵀ

            // MLP: x += down(silu(gate(h)) · up(h)).
            Ops.rmsNorm(x, rows: t, width: e, weight: layer.ffnNorm, eps: c.rmsEpsilon, into: &h)
            gate.withUnsafeMutableBufferPointer { gates in
                up.withUnsafeMutableBufferPointer { ups in linears(h, [(layer.gate, f, gates.baseAddress!), (layer.up, f, ups.baseAddress!)], k: e) }
            }
            Ops.swiglu(gate: &gate, up: up, count: t * f)
            linear(gate, layer.down, n: e, k: f, into: &x, accumulate: true)
        }
        for segment in segments { caches[segment.cache].count += segment.rows }
        return x
    }

    /// Appends one segment's keys and values of layer `l` to its cache, after its `count`
    /// positions (`count` grows once every layer has run).
    private func remember(layer l: Int, segment: Segment, k: [Float], v: [Float], cache: inout KVCache) {
        let (kv, t, first) = (config.kvWidth, segment.rows, segment.firstRow)
        precondition(cache.keys[l].count == cache.count * kv, "layer \(l)'s keys are out of step with the cache")
        k.withUnsafeBufferPointer { cache.keys[l].append(contentsOf: UnsafeBufferPointer(rebasing: $0[(first * kv)..<((first + t) * kv)])) }
        v.withUnsafeBufferPointer { cache.values[l].append(contentsOf: UnsafeBufferPointer(rebasing: $0[(first * kv)..<((first + t) * kv)])) }
    }

    /// Attention in layer `l` of the segments of one row each (decoding sequences), all
    /// heads of all of them as one job (`RowAttention`): a row's numbers do not depend on the
    /// others, and OpenBLAS's calls per head cost more than the work at one row.
    private func attendSingleRows(layer l: Int, segments: [Segment], q: [Float], caches: [KVCache], into attended: inout [Float]) {
        guard !segments.isEmpty else { return }
        let c = config
        let shape = RowAttention.Shape(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, stride: c.kvWidth)
        let stores = segments.map { caches[$0.cache] }
        q.withUnsafeBufferPointer { qs in
            attended.withUnsafeMutableBufferPointer { out in
                Self.withLayer(l, of: stores) { keys, values in
                    let rows = segments.indices.map { i in
                        RowAttention.Row(query: qs.baseAddress! + segments[i].firstRow * c.width, keys: keys[i], values: values[i],
                                         positions: stores[i].count + 1, out: out.baseAddress! + segments[i].firstRow * c.width)
                    }
                    RowAttention.attend(rows, shape: shape)
                }
            }
        }
    }

    /// Runs `body` with the keys and values of layer `l` of every cache, each pointer valid
    /// for the whole call.
    private static func withLayer(_ l: Int, of caches: [KVCache], _ body: ([UnsafePointer<Float>], [UnsafePointer<Float>]) -> Void) {
        var (keys, values): ([UnsafePointer<Float>], [UnsafePointer<Float>]) = ([], [])
        func next(_ i: Int) {
            guard i < caches.count else { return body(keys, values) }
            caches[i].keys[l].withUnsafeBufferPointer { k in
                caches[i].values[l].withUnsafeBufferPointer { v in
                    keys.append(k.baseAddress!)
                    values.append(v.baseAddress!)
                    next(i + 1)
                }
            }
        }
        next(0)
    }

    /// Causal attention of one segment's rows in layer `l`, whose keys and values are in the
    /// cache after its `count` positions: every head of each row attends to the positions up to
    /// its own, through OpenBLAS.
    private func attend(layer l: Int, segment: Segment, q: [Float], cache: KVCache, into attended: inout [Float]) {
        let c = config
        let (e, kv, hd) = (c.width, c.kvWidth, c.headDim)
        let (t, start, first) = (segment.rows, cache.count, segment.firstRow)
        let positions = start + t
        let scale = 1 / Float(hd).squareRoot()
        let group = c.heads / c.kvHeads
        var scores = [Float](repeating: 0, count: t * positions)
        cache.keys[l].withUnsafeBufferPointer { keys in
            cache.values[l].withUnsafeBufferPointer { values in
                for head in 0..<c.heads {
                    let kvHead = head / group
                    // scores[t × positions] = q_head · K_headᵀ / √hd
                    q.withUnsafeBufferPointer { qp in
                        BLAS.matmulBT(m: t, n: positions, k: hd, alpha: scale, a: qp.baseAddress! + first * e + head * hd, lda: e,
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
                                    c: out.baseAddress! + first * e + head * hd, ldc: e)
                    }
                }
            }
        }
    }
}
