import CKernels
import Testing
@testable import GESAL

/// The finiteness check every decoded vector goes through (`gesal_all_finite`), on each kernel
/// this CPU runs, against Swift's own `isFinite`, value by value. A CPU without AVX2 checks
/// the portable kernel alone.
struct FiniteFloatsTests {
    /// What must be refused, and the finite values nearest to it, which must not be.
    static let values: [Float] = [.nan, .signalingNaN, .infinity, -.infinity,
                                  .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, -0.0]

    /// The check on `values` starting `offset` bytes into a buffer (the kernels read any alignment).
    static func check(_ values: [Float], kernel: Int32, offset: Int = 0) -> Int32 {
        var bytes = [UInt8](repeating: 0, count: offset)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes.withUnsafeBytes { gesal_all_finite_with(kernel, $0.baseAddress! + offset, Int64(values.count)) }
    }

    /// Each value above at every position of vectors of lengths around the kernels' blocks
    /// (8 and 32 values) and of an embedding (384).
    @Test(arguments: [0, 1] as [Int32]) func eachKernelRefusesANonFiniteValueAtAnyPosition(kernel: Int32) {
        guard Self.check([1], kernel: kernel) != -1 else { return }
        for count in [1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 384] {
            var vector = (0..<count).map { Float($0) - 3.5 }
            #expect(Self.check(vector, kernel: kernel) == 1, "\(count) finite values")
            for position in 0..<count {
                for value in Self.values {
                    let kept = vector[position]
                    vector[position] = value
                    #expect(Self.check(vector, kernel: kernel, offset: position % 4) == (value.isFinite ? 1 : 0),
                            "\(value) at \(position) of \(count)")
                    vector[position] = kept
                }
            }
        }
    }

    @Test(arguments: [0, 1] as [Int32]) func noValuesAreAllFinite(kernel: Int32) {
        guard Self.check([1], kernel: kernel) != -1 else { return }
        #expect(Self.check([], kernel: kernel) == 1)
    }

    /// What the decoders call picks a kernel this CPU has, and answers as the portable one does.
    @Test func theChosenKernelAnswersAsThePortableOne() {
        for vector in [[1, 2, 3], [1, .nan, 3], (0..<384).map { Float($0) }, (0..<384).map { $0 == 200 ? Float.infinity : 0 }] as [[Float]] {
            #expect(BinaryPayload.allFinite(vector) == (Self.check(vector, kernel: 0) == 1))
        }
    }
}
