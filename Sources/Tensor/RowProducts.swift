import CKernels
import Dispatch
import Synchronization

/// The decode step's matrix products: y[b, j] = Σᵢ x[b, i] · w[j, i] for a few rows b (one per
/// sequence) and every output j of a linear layer. Each sum runs in one fixed order (eight
/// lanes over i, then the lanes added pairwise, then the tail), whatever the number of rows
/// or threads, so a sequence's numbers are the same decoded alone or in any batch. A weight
/// row is read once for all the rows. Outputs are split across threads in contiguous runs.
///
/// Three kernels compute it: AVX-512 and AVX2 with FMA (C, `CKernels`) where the CPU has them,
/// and portable Swift SIMD (what Swift compiles for baseline x86-64, multiply then add, and for
/// other CPUs). The AVX-512 kernel gives the AVX2 kernel's bits (two rows per instruction, each
/// half running the same chains), so AVX2 and AVX-512 machines decode alike. Each is
/// deterministic and row-independent; portable differs from the others in the last bits (a
/// fused multiply-add rounds once), like OpenBLAS's kernel sets do. The kernel is chosen by
/// the CPU, so a machine always decodes with the same one; `gesal doctor` and the benchmarks
/// print it. Replay never depends on it: answers are recorded, and learning steps re-execute
/// with OpenBLAS.
public enum RowProducts {
    public enum Kernel: String, Sendable, CaseIterable {
        case portable
        case avx2FMA = "avx2-fma"
        case avx512F = "avx512f"

        /// The fastest kernel this CPU runs.
        public static let best: Kernel = gesal_cpu_has_avx512f() == 1 ? .avx512F : gesal_cpu_has_avx2_fma() == 1 ? .avx2FMA : .portable

        /// The kernels this CPU runs, slowest first.
        public static let available: [Kernel] = allCases.filter { $0.level <= best.level }

        /// The order of the instruction sets: each machine that runs one runs those before it.
        private var level: Int { Self.allCases.firstIndex(of: self)! }
    }

    /// Threads the products use (set with `BLAS.setThreads`); the results do not depend on it.
    static let threadCount = Atomic<Int>(1)  // internal: tests set it

    public static var threads: Int { threadCount.load(ordering: .relaxed) }

    /// Another kernel than `Kernel.best`, for the task that chose it with `using` and only there.
    /// Task-local, not global: tests and benchmarks compare kernels while other work in the same
    /// process decodes, and a process-wide switch would change that work's last bits under it.
    @TaskLocal private static var chosen: Kernel?

    /// The kernel in use here: `Kernel.best` unless `using` chose another.
    public static var kernel: Kernel { chosen ?? .best }

    /// Runs `body` with `kernel` (benchmarks and tests compare them); it must be one this CPU has.
    public static func using<R>(_ kernel: Kernel, _ body: () throws -> R) rethrows -> R {
        precondition(Kernel.available.contains(kernel), "this CPU cannot run the \(kernel.rawValue) kernel")
        return try $chosen.withValue(kernel, operation: body)
    }

    /// Rows a kernel takes at once: 64 rows of the widest input (1536) are 384 KB.
    static let blockRows = 64

    /// y[rows × outputs] = x[rows × inputs] · wᵀ (w stored outputs × inputs), or y += it, with
    /// `kernel` (by default the one in use here).
    public static func multiply(_ x: UnsafePointer<Float>, rows: Int, _ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                                into y: UnsafeMutablePointer<Float>, accumulate: Bool = false, kernel: Kernel? = nil) {
        let kernel = kernel ?? self.kernel
        // Each worker writes its own outputs; the pointers are only shared to hand them over.
        let (xs, ws, ys) = (UnsafeSendable(x), UnsafeSendable(w), UnsafeSendable(y))
        WorkerPool.shared.split(outputs: outputs, threads: threads) { run in
            let (start, end) = (run.lowerBound, run.upperBound)
            // A long prompt in blocks of rows that stay in the second-level cache while every
            // output passes over them (a row's sums do not depend on the rows beside it).
            for first in Swift.stride(from: 0, to: rows, by: blockRows) {
                let (x, y, rows) = (xs.value + first * inputs, ys.value + first * outputs, min(blockRows, rows - first))
                switch kernel {
                case .avx512F:
                    gesal_row_products_avx512f(x, Int64(rows), ws.value, Int64(inputs), Int64(start), Int64(end), Int64(outputs), y, accumulate ? 1 : 0)
                case .avx2FMA:
                    gesal_row_products_avx2_fma(x, Int64(rows), ws.value, Int64(inputs), Int64(start), Int64(end), Int64(outputs), y, accumulate ? 1 : 0)
                case .portable:
                    products(x, rows: rows, ws.value, inputs: inputs, outputs: run, stride: outputs, into: y, accumulate: accumulate)
                }
            }
        }
    }

    /// `multiply` with the portable kernel on the calling thread: the same bits on every CPU,
    /// for products too small to hand to the pool (a LoRA's factors beside a quantised matrix).
    public static func multiplyHere(_ x: UnsafePointer<Float>, rows: Int, _ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                                    into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        products(x, rows: rows, w, inputs: inputs, outputs: 0..<outputs, stride: outputs, into: y, accumulate: accumulate)
    }

    private static func products(_ x: UnsafePointer<Float>, rows: Int, _ w: UnsafePointer<Float>, inputs: Int, outputs: Range<Int>,
                                 stride: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let lanes = inputs / 8 * 8
        func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        /// The lanes added pairwise, then the tail: the same for every row, in blocks or alone.
        func store(_ sum: SIMD8<Float>, _ b: Int, _ j: Int, _ row: UnsafePointer<Float>) {
            let input = x + b * inputs
            var total = sum.pairwiseSum
            for i in lanes..<inputs { total += input[i] * row[i] }
            y[b * stride + j] = accumulate ? y[b * stride + j] + total : total
        }
        for j in outputs {
            let row = w + j * inputs
            var b = 0
            // Four rows share each load of the weights; each row's sum runs as it does alone.
            while b + 4 <= rows {
                let (x0, x1, x2, x3) = (x + b * inputs, x + (b + 1) * inputs, x + (b + 2) * inputs, x + (b + 3) * inputs)
                var (s0, s1, s2, s3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                var i = 0
                while i < lanes {
                    let weights = load(row + i)
                    s0 += load(x0 + i) * weights
                    s1 += load(x1 + i) * weights
                    s2 += load(x2 + i) * weights
                    s3 += load(x3 + i) * weights
                    i += 8
                }
                store(s0, b, j, row)
                store(s1, b + 1, j, row)
                store(s2, b + 2, j, row)
                store(s3, b + 3, j, row)
                b += 4
            }
            while b < rows {
                let input = x + b * inputs
                var sum = SIMD8<Float>()
                var i = 0
                while i < lanes {
                    sum += load(input + i) * load(row + i)
                    i += 8
                }
                store(sum, b, j, row)
                b += 1
            }
        }
    }
}

extension SIMD8<Float> {
    /// The lanes added pairwise (halves, then quarters, then the last two): the one order the
    /// row-independent kernels (`RowProducts`' portable one, `RowAttention`) end a dot product in.
    var pairwiseSum: Float {
        let four = lowHalf + highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

/// A pointer handed to worker threads that write disjoint parts of what it points to.
public struct UnsafeSendable<Pointer>: @unchecked Sendable {
    public let value: Pointer
    public init(_ value: Pointer) { self.value = value }
}
