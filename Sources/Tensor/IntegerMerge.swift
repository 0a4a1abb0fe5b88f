import CKernels

/// An SVF merge, W' = U diag(s) Vᵀ, computed from 16-bit integer factors with exact int32
/// sums (`CKernels/integer_merge.h`): the same bits from every kernel and thread count, and
/// more multiply-adds a cycle than Float32's `sgemm` on VNNI. `s` scales the factor on the
/// side of the smaller dimension (the square one), so the other, `Fixed`, is rounded once per
/// basis and kept. Rounding the factors to ±`gesal_integer_merge_limit(rank)` levels moves W'
/// by about a fifth of what re-quantising it to Q8_0 then does (docs/architecture.md,
/// departure 43).
public enum IntegerMerge {
    public enum Kernel: Int32, Sendable, CaseIterable, CustomStringConvertible {
        case portable = 0, avx2 = 1, vnni = 2

        /// Whether this CPU runs it.
        public var runs: Bool { rawValue <= gesal_integer_merge_best_kernel() }

        public var description: String {
            switch self {
            case .portable: "portable"
            case .avx2: "avx2-vpmaddwd"
            case .vnni: "avx512-vnni-vpdpwssd"
            }
        }
    }

    /// The fastest kernel this CPU runs.
    public static let best = Kernel(rawValue: gesal_integer_merge_best_kernel()) ?? .portable

    /// The levels and scales of a factor: the left's rows (U, or U diag(s)), or the right's
    /// packed columns (Vᵀ, or diag(s) Vᵀ).
    public struct Factor: Sendable {
        var levels: [Int16]
        var scales: [Float]
    }

    /// A merge's shape: U is `outputs × rank`, Vᵀ `rank × inputs`, both row-major.
    public struct Shape: Sendable, Equatable {
        public var outputs: Int, inputs: Int, rank: Int

        public init(outputs: Int, inputs: Int, rank: Int) {
            (self.outputs, self.inputs, self.rank) = (outputs, inputs, rank)
        }

        /// Whether `s` scales the left factor (U); else the right (Vᵀ).
        var scalesLeft: Bool { outputs <= inputs }
        var limit: Int32 { gesal_integer_merge_limit(Int64(rank)) }
        var blocks: Int { (inputs + 63) / 64 }
    }

    /// The factor no `s` scales (Vᵀ when `s` scales U, else U), for `product(fixed:...)`.
    public static func fixed(u: [Float], vt: [Float], shape: Shape, kernel: Kernel = best) -> Factor {
        shape.scalesLeft ? right(vt, s: nil, shape: shape, kernel: kernel) : left(u, s: nil, shape: shape, kernel: kernel)
    }

    /// Row-major `outputs × inputs` W' = U diag(s) Vᵀ. `fixed` is `fixed(u:vt:shape:)` of the
    /// same factors when the caller keeps it; else it is made here.
    public static func product(u: [Float], s: [Float], vt: [Float], shape: Shape, fixed: Factor? = nil,
                               kernel: Kernel = best) -> [Float] {
        let (outputs, inputs, rank) = (shape.outputs, shape.inputs, shape.rank)
        precondition(u.count == outputs * rank && s.count == rank && vt.count == rank * inputs, "factor shapes")
        precondition(kernel.runs, "the \(kernel) kernel needs a CPU feature this one lacks")
        let kept = fixed ?? Self.fixed(u: u, vt: vt, shape: shape, kernel: kernel)
        let (left, right) = shape.scalesLeft ? (Self.left(u, s: s, shape: shape, kernel: kernel), kept)
                                             : (kept, Self.right(vt, s: s, shape: shape, kernel: kernel))
        let k = kernel.rawValue
        return [Float](unsafeUninitializedCapacity: outputs * inputs) { w, initialized in
            left.levels.withUnsafeBufferPointer { l in
                right.levels.withUnsafeBufferPointer { r in
                    left.scales.withUnsafeBufferPointer { rs in
                        right.scales.withUnsafeBufferPointer { cs in
                            let (l, r, rs, cs, out) = (UnsafeSendable(l.baseAddress!), UnsafeSendable(r.baseAddress!),
                                                       UnsafeSendable(rs.baseAddress!), UnsafeSendable(cs.baseAddress!),
                                                       UnsafeSendable(w.baseAddress!))
                            ParallelRuns.forEach(outputs, minimumRun: 1) { rows in
                                _ = gesal_integer_merge_products_with(k, l.value, r.value, rs.value, cs.value, Int64(rank), Int64(inputs),
                                                                      Int64(rows.lowerBound), Int64(rows.upperBound), out.value)
                            }
                        }
                    }
                }
            }
            initialized = outputs * inputs
        }
    }

    /// The left factor's levels: U's rows, each value times s[k] when `s` is given.
    private static func left(_ u: [Float], s: [Float]?, shape: Shape, kernel: Kernel) -> Factor {
        let padded = Int(gesal_integer_merge_padded_rank(Int64(shape.rank)))
        let (rank, limit, k) = (Int64(shape.rank), shape.limit, kernel.rawValue)
        return quantized(u, s: s, levels: shape.outputs * padded, scales: shape.outputs, pieces: shape.outputs) { u, s, levels, scales, rows in
            _ = gesal_integer_merge_quantize_left_with(k, u, s, rank, limit, Int64(rows.lowerBound), Int64(rows.upperBound), levels, scales)
        }
    }

    /// The right factor's levels, packed for the products: Vᵀ's columns, each value times s[k]
    /// when `s` is given.
    private static func right(_ vt: [Float], s: [Float]?, shape: Shape, kernel: Kernel) -> Factor {
        let (rank, inputs, limit, k) = (Int64(shape.rank), Int64(shape.inputs), shape.limit, kernel.rawValue)
        let count = Int(gesal_integer_merge_packed_count(rank, inputs))
        return quantized(vt, s: s, levels: count, scales: shape.blocks * 64, pieces: shape.blocks) { vt, s, levels, scales, blocks in
            _ = gesal_integer_merge_pack_right_with(k, vt, s, rank, inputs, limit, Int64(blocks.lowerBound), Int64(blocks.upperBound), levels, scales)
        }
    }

    /// A factor of `levels` and `scales` values made from `source` (and `s`) by `quantize`,
    /// called on runs of `0..<pieces` over the pool.
    private static func quantized(_ source: [Float], s: [Float]?, levels count: Int, scales scaleCount: Int, pieces runs: Int,
                                  _ quantize: @escaping @Sendable (UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Int16>,
                                                                   UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> Factor {
        var levels = [Int16](repeating: 0, count: count), scales = [Float](repeating: 0, count: scaleCount)
        source.withUnsafeBufferPointer { source in
            withOptionalPointer(s) { s in
                levels.withUnsafeMutableBufferPointer { levels in
                    scales.withUnsafeMutableBufferPointer { scales in
                        let (source, s, levels, scales) = (UnsafeSendable(source.baseAddress!), UnsafeSendable(s),
                                                           UnsafeSendable(levels.baseAddress!), UnsafeSendable(scales.baseAddress!))
                        ParallelRuns.forEach(runs, minimumRun: 1) { range in quantize(source.value, s.value, levels.value, scales.value, range) }
                    }
                }
            }
        }
        return Factor(levels: levels, scales: scales)
    }

    private static func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
