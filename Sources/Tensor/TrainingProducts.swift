/// The kernels a training pass's forward products run on: x · Wᵀ of each linear layer (or
/// x · V and then · Uᵀ through an SVF basis) and of the output head. Learned values depend on
/// them in their last bits, so a store records which it learns with
/// (`StoreCreated.learningKernel`) and re-executes its steps with the same again. For a
/// training pass's few rows (a prompt and its answer) the row products, which read each
/// weight row once for all the rows, take about half of OpenBLAS's time; for the backward's
/// dy · W, a kernel of our own did no better than OpenBLAS, which it keeps (docs/benchmarks.md).
public enum TrainingProducts: Sendable, Hashable {
    /// OpenBLAS's `sgemm`: what every store learned with before the learning kernel was
    /// recorded, and what a store without a record learns with still.
    case openBLAS
    /// `RowProducts` with this kernel.
    case rows(RowProducts.Kernel)

    /// What a new store learns with on this CPU.
    public static var best: TrainingProducts { .rows(RowProducts.Kernel.best) }

    /// The names a store may record, and what each means.
    public static let recordedNames = ["rows-fma": "fused multiply-adds (AVX2 or AVX-512)", "rows-portable": "the portable kernel"]

    /// The name a store records: nil for OpenBLAS (no record, as in stores before), else the
    /// family of bits: the AVX2 and AVX-512 kernels give the same ones.
    public var recordedName: String? {
        switch self {
        case .openBLAS: nil
        case .rows(.portable): "rows-portable"
        case .rows: "rows-fma"
        }
    }

    /// The products a store's record asks for, run as this CPU can: "rows-fma" where the CPU
    /// has no FMA runs the portable kernel, whose last bits differ (`EngineModels.check`
    /// warns). Nil for a name this build does not know.
    public init?(recordedName: String?) {
        switch recordedName {
        case nil: self = .openBLAS
        case "rows-portable": self = .rows(.portable)
        case "rows-fma": self = .rows(RowProducts.Kernel.best)
        default: return nil
        }
    }

    /// C[m×n] = A[m×k] · Bᵀ, B stored n×k.
    public func multiplyBT(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        switch self {
        case .openBLAS: BLAS.matmulBT(m: m, n: n, k: k, a: a, b: b, c: c)
        case .rows(let kernel): RowProducts.multiply(a, rows: m, b, outputs: n, inputs: k, into: c, kernel: kernel)
        }
    }
}
