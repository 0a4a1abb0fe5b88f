import CKernels

/// The C kernels behind `ConfidenceTally` (Sources/CKernels/softmax_sums.c says why C).
enum SoftmaxSums {
    /// The largest value and the runner-up (equal to it when it occurs twice).
    static func topTwo(_ values: [Float]) -> (top: Float, second: Float) {
        var top: Float = 0, second: Float = 0
        values.withUnsafeBufferPointer { gesal_top_two($0.baseAddress, Int64($0.count), &top, &second) }
        return (top, second)
    }

    /// Σ exp(x − shift) and Σ exp(x − shift)·(x − shift), each x − shift raised to −87.3 first.
    static func of(_ values: [Float], shift: Float) -> (z: Double, weighted: Double) {
        var z = 0.0, weighted = 0.0
        values.withUnsafeBufferPointer { gesal_softmax_sums($0.baseAddress, Int64($0.count), shift, &z, &weighted) }
        return (z, weighted)
    }

    /// `of` with one kernel (0 SSE2, 1 AVX2, 2 AVX-512F), or nil when this CPU lacks it.
    static func of(_ values: [Float], shift: Float, kernel: Int32) -> (z: Double, weighted: Double)? {
        var z = 0.0, weighted = 0.0
        let ran = values.withUnsafeBufferPointer { gesal_softmax_sums_with(kernel, $0.baseAddress, Int64($0.count), shift, &z, &weighted) }
        return ran == 1 ? (z, weighted) : nil
    }
}
