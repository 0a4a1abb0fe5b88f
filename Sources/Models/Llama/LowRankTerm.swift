import Tensor

/// A low-rank term multiplied beside a quantised matrix: y += scale · B · (A · x), A rank × inputs
/// and B outputs × rank, Float32. It is how a LoRA decodes on the file's blocks
/// (`WeightStorage.keepsLoRABeside`): the blocks are read as they are, and a rank-8 term on a
/// 1536 × 576 matrix adds 68 KB, 12% of its Q4_1 blocks (re-quantising it to Q8_0 added 70%).
public struct LowRankTerm: Sendable, Equatable {
    public let rank: Int
    public let scale: Float
    /// rank × inputs, row-major.
    public let a: [Float]
    /// outputs × rank, row-major.
    public let b: [Float]
    /// B's columns, rank × outputs: the second product runs down them, eight outputs at a time.
    private let columns: [Float]

    public init(rank: Int, scale: Float, a: [Float], b: [Float]) {
        precondition(rank > 0 && a.count % rank == 0 && b.count % rank == 0, "low-rank factors of the wrong size")
        self.rank = rank
        self.scale = scale
        self.a = a
        self.b = b
        let outputs = b.count / rank
        columns = (0..<(rank * outputs)).map { b[($0 % outputs) * rank + $0 / outputs] }
    }

    public var inputs: Int { a.count / rank }
    public var outputs: Int { b.count / rank }

    public static func == (l: LowRankTerm, r: LowRankTerm) -> Bool {
        l.rank == r.rank && l.scale == r.scale && l.a == r.a && l.b == r.b
    }

    /// y[rows × outputs] += B · p for p = scale · (A · x), row by row on the calling thread: the
    /// first product is `RowProducts`' portable kernel; the second adds p[k] · B[j, k] to y[j]
    /// for k = 0, 1, ... in turn, a multiply then an add, eight outputs at a time. Each output's
    /// sum runs in that one order, so a row's bits do not depend on the CPU, the threads or the
    /// rows beside it, as the blocks' own products do not. (A product of eight outputs costs
    /// less than handing it to the pool; running down B's columns needs no sum across lanes.)
    public func addProduct(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        let (r, n) = (rank, outputs)
        func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * r) { scratch in
            let projected = scratch.baseAddress!
            a.withUnsafeBufferPointer { RowProducts.multiplyHere(x, rows: rows, $0.baseAddress!, outputs: r, inputs: inputs, into: projected) }
            for i in 0..<(rows * r) { projected[i] *= scale }
            columns.withUnsafeBufferPointer { bt in
                let columns = bt.baseAddress!
                for row in 0..<rows {
                    let (p, out) = (projected + row * r, y + row * n)
                    var j = 0
                    while j + 8 <= n {
                        var sum = load(out + j)
                        for k in 0..<r { sum += SIMD8(repeating: p[k]) * load(columns + k * n + j) }
                        UnsafeMutableRawPointer(out + j).storeBytes(of: sum, as: SIMD8<Float>.self)
                        j += 8
                    }
                    while j < n {
                        var sum = out[j]
                        for k in 0..<r { sum += p[k] * columns[k * n + j] }
                        out[j] = sum
                        j += 1
                    }
                }
            }
        }
    }

    /// out[inputs] += row `r` of scale · B · A: an embedding's look-up.
    public func addRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<inputs {
            var sum: Float = 0
            for k in 0..<rank { sum += b[r * rank + k] * a[k * inputs + i] }
            out[i] += scale * sum
        }
    }

    /// W += scale · B · A, in place on a dense outputs × inputs matrix: the Float32 matrix this
    /// term stands for, as training reads it (the same call a merge makes).
    public func add(to w: inout [Float]) {
        BLAS.matmul(m: outputs, n: inputs, k: rank, alpha: scale, a: b, b: a, beta: 1, c: &w)
    }
}
