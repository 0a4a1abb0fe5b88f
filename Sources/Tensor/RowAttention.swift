import CKernels

/// Attention of single query rows (one per decoding sequence) over their caches: for each
/// head, softmax(scale · q · Kᵀ) · V over the positions the row sees. OpenBLAS ran this as two
/// products per head (sgemv, then a one-row sgemm), 540 calls per token for SmolLM2; each woke
/// OpenBLAS's own thread, which then spun in `sched_yield` beside the products' helpers
/// (perf: 18% of a 16-sequence step, docs/benchmarks.md). Here the heads of every row are
/// pieces of one job on the products' pool.
///
/// A head's numbers are computed in one fixed order (eight lanes over the head's dimensions,
/// the lanes added pairwise, then the tail; the positions in order), whatever the batch, the
/// thread count or the CPU: multiplies then adds, never fused, in plain Swift SIMD (the portable
/// path) or in C with AVX (`row_attention.h`).
public enum RowAttention {
    /// One query row and the cache it attends to. Head h of the row reads the query at
    /// `query + h · headDim` and key/value head h / (heads / kvHeads) at `keys`/`values`
    /// `+ kvHead · headDim`, position p at `p · stride` from there.
    public struct Row {
        public var query: UnsafePointer<Float>
        public var keys: UnsafePointer<Float>
        public var values: UnsafePointer<Float>
        /// Positions the row sees (its own included): 0 ..< positions.
        public var positions: Int
        /// Where the row's heads go, head h at `out + h · headDim`.
        public var out: UnsafeMutablePointer<Float>

        public init(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, positions: Int,
                    out: UnsafeMutablePointer<Float>) {
            self.query = query
            self.keys = keys
            self.values = values
            self.positions = positions
            self.out = out
        }
    }

    /// The shape every row shares.
    public struct Shape: Sendable {
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        /// Floats from one position's keys (or values) to the next.
        public var stride: Int

        public init(heads: Int, kvHeads: Int, headDim: Int, stride: Int) {
            precondition(heads > 0 && kvHeads > 0 && heads % kvHeads == 0 && headDim > 0 && stride >= kvHeads * headDim, "an attention shape of \(heads) heads over \(kvHeads) key/value heads of \(headDim)")
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
            self.stride = stride
        }

        /// 1/√headDim, the scores' scale.
        var scale: Float { 1 / Float(headDim).squareRoot() }
    }

    /// Every head of every row, split across `RowProducts.threads` threads: one piece per
    /// key/value head of a row, with the query heads that share it, or one per row when there
    /// are many rows and the C path runs (see below). Where the row kernels are
    /// C (`RowProducts.kernel` is not `.portable`), a piece runs in C with AVX
    /// (`gesal_attention_scores_avx2`, then `Ops.softmax` per head, then
    /// `gesal_attention_values_avx2`), which loads each position's keys and values once for
    /// the group; else `attendHead` per head. Both give the same bits. Rows must not write
    /// where another row reads.
    public static func attend(_ rows: [Row], shape: Shape) {
        let inC = RowProducts.kernel != .portable
        // Many rows (a batch of sequences): a piece is a whole row, whose keys and values the C
        // path reads straight through first. Their caches then come from memory once, at a
        // straight read's speed; read a head at a time they came at a third of it.
        let wholeRows = inC && rows.count >= 2 * RowProducts.threads
        let kvHeadsPerPiece = wholeRows ? shape.kvHeads : 1
        let pieces = rows.count * shape.kvHeads / kvHeadsPerPiece
        guard pieces > 0 else { return }
        let longest = rows.map(\.positions).max()!
        precondition(rows.allSatisfy { $0.positions > 0 }, "a row attends to at least its own position")
        let (group, d) = (shape.heads / shape.kvHeads, shape.headDim)
        // Each piece writes its own heads of its own row; the rows are only shared to hand them over.
        let shared = UnsafeSendable(rows)
        ParallelRuns.forEach(pieces, minimumRun: 1) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: longest * group) { buffer in
                let scores = buffer.baseAddress!
                for piece in range {
                    let row = shared.value[piece * kvHeadsPerPiece / shape.kvHeads]
                    let firstKVHead = piece * kvHeadsPerPiece % shape.kvHeads
                    if wholeRows {
                        let floats = Int64((row.positions - 1) * shape.stride + shape.kvHeads * d)
                        _ = gesal_attention_read_through(row.keys, floats) + gesal_attention_read_through(row.values, floats)
                    }
                    for kvHead in firstKVHead..<(firstKVHead + kvHeadsPerPiece) {
                        let (query, out) = (row.query + kvHead * group * d, row.out + kvHead * group * d)
                        let (keys, values) = (row.keys + kvHead * d, row.values + kvHead * d)
                        guard inC else {
                            for h in 0..<group {
                                attendHead(query: query + h * d, keys: keys, values: values, positions: row.positions, shape: shape, scores: scores,
                                           into: out + h * d)
                            }
                            continue
                        }
                        gesal_attention_scores_avx2(query, Int64(group), Int64(d), keys, Int64(shape.stride), Int64(row.positions), shape.scale,
                                                    scores, Int64(longest))
                        for h in 0..<group { Ops.softmax(scores + h * longest, count: row.positions) }
                        gesal_attention_values_avx2(scores, Int64(longest), Int64(group), values, Int64(shape.stride), Int64(row.positions),
                                                    Int64(d), out)
                    }
                }
            }
        }
    }

    /// One head: scores, softmax, then the values weighted by them. Four positions' dot
    /// products run side by side and the weighted values of 32 dimensions stay in registers
    /// across the positions (a chain through memory per position was the kernel's time); each
    /// sum is still added in the order the head's definition above gives.
    static func attendHead(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, positions: Int,
                           shape: Shape, scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let (d, lanes, stride, scale) = (shape.headDim, shape.headDim / 8 * 8, shape.stride, shape.scale)
        func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        func score(_ sum: SIMD8<Float>, _ key: UnsafePointer<Float>) -> Float {
            var total = sum.pairwiseSum
            for i in lanes..<d { total += query[i] * key[i] }
            return total * scale
        }
        var p = 0
        while p + 4 <= positions {
            let (k0, k1, k2, k3) = (keys + p * stride, keys + (p + 1) * stride, keys + (p + 2) * stride, keys + (p + 3) * stride)
            var (s0, s1, s2, s3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            for i in Swift.stride(from: 0, to: lanes, by: 8) {
                let q = load(query + i)
                s0 += q * load(k0 + i)
                s1 += q * load(k1 + i)
                s2 += q * load(k2 + i)
                s3 += q * load(k3 + i)
            }
            (scores[p], scores[p + 1], scores[p + 2], scores[p + 3]) = (score(s0, k0), score(s1, k1), score(s2, k2), score(s3, k3))
            p += 4
        }
        while p < positions {
            let key = keys + p * stride
            var sum = SIMD8<Float>()
            for i in Swift.stride(from: 0, to: lanes, by: 8) { sum += load(query + i) * load(key + i) }
            scores[p] = score(sum, key)
            p += 1
        }
        Ops.softmax(scores, count: positions)
        var i = 0
        while i + 32 <= lanes {
            var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            for p in 0..<positions {
                let (weight, value) = (SIMD8<Float>(repeating: scores[p]), values + p * stride + i)
                a0 += weight * load(value)
                a1 += weight * load(value + 8)
                a2 += weight * load(value + 16)
                a3 += weight * load(value + 24)
            }
            for (j, sum) in [a0, a1, a2, a3].enumerated() { UnsafeMutableRawPointer(out + i + 8 * j).storeBytes(of: sum, as: SIMD8<Float>.self) }
            i += 32
        }
        while i < lanes {
            var sum = SIMD8<Float>()
            for p in 0..<positions { sum += SIMD8<Float>(repeating: scores[p]) * load(values + p * stride + i) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        for i in lanes..<d {
            var sum: Float = 0
            for p in 0..<positions { sum += scores[p] * values[p * stride + i] }
            out[i] = sum
        }
    }
}
