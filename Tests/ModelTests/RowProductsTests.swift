import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Tensor

/// The decode step's products against a double-precision reference, and the property batched
/// decoding rests on: a row's numbers are the same whatever rows and threads come with it.
/// Every test runs each kernel this CPU has.
@Suite(.serialized) struct RowProductsTests {
    static let kernels = RowProducts.Kernel.available
    static let vectorKernels = kernels.filter { $0 != .portable }

    /// Deterministic values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    static let (outputs, inputs, rows) = (130, 37, 7)  // 37 = 4 lanes of 8 and a tail of 5
    static let x = values(rows * inputs, seed: 1), w = values(outputs * inputs, seed: 2)

    static func product(_ kernel: RowProducts.Kernel, rows: Int, from first: Int = 0, threads: Int = 1, accumulateOnto start: [Float]? = nil,
                        x: [Float] = x, w: [Float] = w, outputs: Int = outputs, inputs: Int = inputs) -> [Float] {
        // The thread count is process-wide (it changes no bit, so other suites running beside
        // this one are unaffected); the kernel is this test's own.
        let before = RowProducts.threadCount.exchange(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        var y = start ?? [Float](repeating: 0, count: rows * outputs)
        RowProducts.using(kernel) {
            Array(x[(first * inputs)..<((first + rows) * inputs)]).withUnsafeBufferPointer { xs in
                RowProducts.multiply(xs.baseAddress!, rows: rows, w, outputs: outputs, inputs: inputs, into: &y, accumulate: start != nil)
            }
        }
        return y
    }

    @Test(arguments: kernels) func theProductIsTheReferenceProduct(kernel: RowProducts.Kernel) {
        let y = Self.product(kernel, rows: Self.rows)
        for b in 0..<Self.rows {
            for j in 0..<Self.outputs {
                let reference = (0..<Self.inputs).reduce(0.0) { $0 + Double(Self.x[b * Self.inputs + $1]) * Double(Self.w[j * Self.inputs + $1]) }
                #expect(abs(Double(y[b * Self.outputs + j]) - reference) <= 1e-5, "[\(b), \(j)]")
            }
        }
    }

    @Test(arguments: kernels) func aRowGivesTheSameBitsAloneAsInABatchOfAnySize(kernel: RowProducts.Kernel) {
        let all = Self.product(kernel, rows: Self.rows)
        for b in 0..<Self.rows {
            let alone = Self.product(kernel, rows: 1, from: b)
            #expect(alone.map(\.bitPattern) == all[(b * Self.outputs)..<((b + 1) * Self.outputs)].map(\.bitPattern), "row \(b)")
        }
        let five = Self.product(kernel, rows: 5, from: 2)
        #expect(five.map(\.bitPattern) == all[(2 * Self.outputs)..<(7 * Self.outputs)].map(\.bitPattern))
    }

    @Test(arguments: kernels) func theThreadCountChangesNoBit(kernel: RowProducts.Kernel) {
        #expect(Self.product(kernel, rows: Self.rows, threads: 2).map(\.bitPattern) == Self.product(kernel, rows: Self.rows).map(\.bitPattern))
    }

    /// A kernel chosen to compare is the choosing task's alone: a thread decoding at the same
    /// time (another suite, a server's request) keeps the CPU's kernel and its bits. A global
    /// switch made an engine test see two answers to one prompt differ in their last bits.
    @Test func aChosenKernelIsNotSeenByOtherThreads() {
        let seen = Mutex<RowProducts.Kernel?>(nil)
        RowProducts.using(.portable) {
            #expect(RowProducts.kernel == .portable)
            let done = DispatchSemaphore(value: 0)
            Thread {
                seen.withLock { $0 = RowProducts.kernel }
                done.signal()
            }.start()
            done.wait()
        }
        #expect(seen.withLock { $0 } == .best)
        #expect(RowProducts.kernel == .best)
    }

    @Test(arguments: kernels) func accumulatingAddsToWhatIsThere(kernel: RowProducts.Kernel) {
        let start = Self.values(Self.rows * Self.outputs, seed: 3)
        let plain = Self.product(kernel, rows: Self.rows)
        let added = Self.product(kernel, rows: Self.rows, accumulateOnto: start)
        for i in plain.indices { #expect(added[i] == start[i] + plain[i]) }
    }

    /// Shapes that reach every tile of the C kernels (AVX2's output groups of four and the ones
    /// left, row pairs and a lone row; AVX-512's groups of sixteen rows, pairs and a lone row,
    /// output groups of three and the ones left; whole lanes and tails; a prompt's rows in
    /// blocks of 64), at decode's sizes and odd ones.
    static let shapes = [(576, 576, 16), (1536, 576, 5), (67, 45, 3), (9, 8, 1), (130, 7, 4), (577, 1536, 17), (70, 43, 33), (4, 5, 2), (13, 40, 131)]

    /// Each row alone gives its bits in the batch, on two threads too, and the portable
    /// kernel's numbers to rounding.
    @Test(arguments: vectorKernels, shapes)
    func aVectorKernelIsRowIndependentAndAgreesWithThePortableOne(kernel: RowProducts.Kernel, shape: (Int, Int, Int)) {
        let (outputs, inputs, rows) = shape
        let x = Self.values(rows * inputs, seed: 11), w = Self.values(outputs * inputs, seed: 12)
        let start = Self.values(rows * outputs, seed: 13)
        for accumulating in [nil, start] {
            let fast = Self.product(kernel, rows: rows, threads: 2, accumulateOnto: accumulating, x: x, w: w, outputs: outputs, inputs: inputs)
            let portable = Self.product(.portable, rows: rows, accumulateOnto: accumulating, x: x, w: w, outputs: outputs, inputs: inputs)
            let worst = zip(fast, portable).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst <= 1e-5, "\(outputs)×\(inputs), \(rows) rows: relative difference \(worst)")
            for b in 0..<rows {
                let alone = Self.product(kernel, rows: 1, from: b, accumulateOnto: accumulating.map { Array($0[(b * outputs)..<((b + 1) * outputs)]) },
                                         x: x, w: w, outputs: outputs, inputs: inputs)
                let same = alone.map(\.bitPattern) == fast[(b * outputs)..<((b + 1) * outputs)].map(\.bitPattern)
                #expect(same, "\(outputs)×\(inputs): row \(b) alone")
            }
        }
    }

    /// AVX-512 machines decode as AVX2 machines do: the same bits, every shape, accumulating or not.
    @Test(.enabled(if: RowProducts.Kernel.available.contains(.avx512F)), arguments: shapes)
    func theAVX512KernelGivesTheAVX2KernelsBits(outputs: Int, inputs: Int, rows: Int) {
        let x = Self.values(rows * inputs, seed: 21), w = Self.values(outputs * inputs, seed: 22)
        let start = Self.values(rows * outputs, seed: 23)
        for accumulating in [nil, start] {
            let wide = Self.product(.avx512F, rows: rows, threads: 2, accumulateOnto: accumulating, x: x, w: w, outputs: outputs, inputs: inputs)
            let narrow = Self.product(.avx2FMA, rows: rows, accumulateOnto: accumulating, x: x, w: w, outputs: outputs, inputs: inputs)
            let differing = zip(wide, narrow).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(outputs)×\(inputs), \(rows) rows: \(differing) of \(wide.count) values differ")
        }
    }
}
