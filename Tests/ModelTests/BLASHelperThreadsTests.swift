import Foundation
import Testing
import Tensor

/// OpenBLAS's helper threads are restarted with a short spin (docs/benchmarks.md, "OpenBLAS's
/// idle helpers"): OpenBLAS itself reports the exponent it took, 0 when nothing set one.
struct BLASHelperThreadsTests {
    @Test func openBLASTakesTheShortSpin() {
        let chosen = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"].flatMap { UInt32($0) }
        #expect(BLAS.helperSpin == chosen ?? BLAS.helperSpinExponent)
    }

    /// The restart leaves OpenBLAS working (on its threads: the thread count is left as the
    /// process has it): a product big enough to be split gives the sum it must (small
    /// integers, exact in Float32).
    @Test func productsStillRunAfterTheRestart() {
        _ = BLAS.helperSpin
        let (m, n, k) = (256, 256, 64)
        let a = [Float](repeating: 1, count: m * k), b = [Float](repeating: 2, count: k * n)
        var c = [Float](repeating: -1, count: m * n)
        BLAS.matmul(m: m, n: n, k: k, a: a, b: b, c: &c)
        #expect(c.allSatisfy { $0 == Float(2 * k) })
    }
}
