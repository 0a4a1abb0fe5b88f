import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The OpenBLAS calls the models make. Row-major throughout.
public enum BLAS {
    /// `openblas_set_num_threads`. Results are bit-identical only for the same thread count,
    /// so callers that need determinism set it and record it.
    /// Sets `RowProducts`' thread count too (which does not change its results).
    public static func setThreads(_ count: Int) {
        _ = quietHelpers
        openblas_set_num_threads(Int32(count))
        RowProducts.threadCount.store(max(1, count), ordering: .relaxed)
    }

    /// How long OpenBLAS's helper threads spin after a call, as 2^N clock ticks: the N set
    /// here unless OPENBLAS_THREAD_TIMEOUT chose one.
    ///
    /// OpenBLAS 0.3's default, 2^28 ticks (about 0.1 s), keeps a helper calling `sched_yield`
    /// long after each product. On two cores it then competes with the products' own pool,
    /// which works between OpenBLAS calls (a merge's quantisation, training's row ops): a
    /// merge's quantisation on two threads ran no faster than on one. 2^18 ticks (about a tenth
    /// of a millisecond) still spans the gaps between a training step's back-to-back products.
    /// Scheduling only: no number changes (docs/benchmarks.md, "OpenBLAS's idle helpers").
    public static let helperSpinExponent: UInt32 = 18

    /// OpenBLAS reads the setting when it loads and takes it when it starts its threads, so
    /// the threads are restarted once with it. Every call into OpenBLAS (here and in `LAPACK`)
    /// touches this first: a restart while another thread is inside a product could leave
    /// that product waiting forever, and a static's initialiser runs once, with every other
    /// caller waiting for it.
    static let quietHelpers: Void = {
        guard getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", String(helperSpinExponent), 0)
        openblas_read_env()
        _ = blas_thread_shutdown_()
        _ = blas_thread_init()
    }()

    /// The exponent OpenBLAS's helper threads run with (0: OpenBLAS's default, 28).
    public static var helperSpin: UInt32 {
        _ = quietHelpers
        return openblas_thread_timeout()
    }

    /// `cblas_sgemm`: C[m×n] = alpha · A[m×k] · Bᵀ + beta · C, where B is stored n×k (the
    /// layout of a linear layer's weight, one row per output). Leading dimensions default to
    /// dense rows.
    @inline(__always)
    public static func matmulBT(m: Int, n: Int, k: Int, alpha: Float = 1,
                                a: UnsafePointer<Float>, lda: Int? = nil,
                                b: UnsafePointer<Float>, ldb: Int? = nil,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        _ = quietHelpers
        if m == 1 {
            // One row (a decode step): a matrix-vector product. OpenBLAS 0.3.21's sgemm does
            // not forward this case to sgemv itself, and sgemv streams the weights faster.
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb ?? k), a, 1, beta, c, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? k), b, Int32(ldb ?? k), beta, c, Int32(ldc ?? n))
    }

    /// `cblas_sgemm`: C[m×n] = alpha · A[m×k] · B[k×n] + beta · C.
    @inline(__always)
    public static func matmul(m: Int, n: Int, k: Int, alpha: Float = 1,
                              a: UnsafePointer<Float>, lda: Int? = nil,
                              b: UnsafePointer<Float>, ldb: Int? = nil,
                              beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        _ = quietHelpers
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? k), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// `cblas_sgemm`: C[m×n] = alpha · Aᵀ · B + beta · C, where A is stored k×m and B k×n
    /// (gradients of weights: dW = dYᵀ · X).
    @inline(__always)
    public static func matmulAT(m: Int, n: Int, k: Int, alpha: Float = 1,
                                a: UnsafePointer<Float>, lda: Int? = nil,
                                b: UnsafePointer<Float>, ldb: Int? = nil,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        _ = quietHelpers
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? m), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// `cblas_sasum`: Σ |x_i|, a pure streaming read (what the bandwidth probe uses, so that it
    /// reads memory the way sgemv does, with the same kernels and threads).
    public static func absoluteSum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        _ = quietHelpers
        return cblas_sasum(Int32(count), x, 1)
    }
}
