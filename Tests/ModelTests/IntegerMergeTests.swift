import CKernels
import Foundation
import Testing
@testable import Tensor

/// The integer SVF merge against numpy's definition of it (`scripts/make-integer-merge-golden.py`
/// wrote the fixture: 16-bit levels, exact int64 sums, float32 scaling), bit for bit, on every
/// kernel this CPU runs.
struct IntegerMergeTests {
    struct Case: Decodable {
        var outputs: Int, inputs: Int, rank: Int, limit: Int32
        var u: [Float], s: [Float], vt: [Float]
        var w: [UInt32]
        var shape: IntegerMerge.Shape { IntegerMerge.Shape(outputs: outputs, inputs: inputs, rank: rank) }
    }
    struct Golden: Decodable { var cases: [Case]; var limits: [String: Int32] }
    static let fixture = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Bundle.module.url(forResource: "Fixtures/integer-merge", withExtension: "json")!))

    static let kernels = IntegerMerge.Kernel.allCases.filter(\.runs)

    @Test(arguments: kernels) func eachKernelGivesNumpysBits(kernel: IntegerMerge.Kernel) {
        for c in Self.fixture.cases {
            let w = IntegerMerge.product(u: c.u, s: c.s, vt: c.vt, shape: c.shape, kernel: kernel)
            let differing = zip(w.map(\.bitPattern), c.w).filter { $0 != $1 }.count
            #expect(differing == 0, "\(c.outputs)x\(c.inputs) rank \(c.rank): \(differing) of \(c.w.count) values differ")
        }
    }

    @Test(arguments: kernels) func aKeptFixedFactorGivesTheSameBits(kernel: IntegerMerge.Kernel) {
        for c in Self.fixture.cases {
            let fixed = IntegerMerge.fixed(u: c.u, vt: c.vt, shape: c.shape, kernel: kernel)
            let w = IntegerMerge.product(u: c.u, s: c.s, vt: c.vt, shape: c.shape, fixed: fixed, kernel: kernel)
            #expect(w.map(\.bitPattern) == c.w, "\(c.outputs)x\(c.inputs)")
        }
    }

    @Test func theLimitKeepsEverySumInsideInt32() {
        for (rank, limit) in Self.fixture.limits {
            #expect(gesal_integer_merge_limit(Int64(rank)!) == limit, "rank \(rank)")
        }
    }

    @Test func theLargestSumsDoNotWrap() throws {
        // Every level at the limit: 576 x 1930^2 = 2,145,542,400, just inside int32. A sum that
        // wrapped would come out negative where numpy's is positive.
        let c = try #require(Self.fixture.cases.first { $0.rank == 576 })
        for kernel in Self.kernels {
            let w = IntegerMerge.product(u: c.u, s: c.s, vt: c.vt, shape: c.shape, kernel: kernel)
            #expect(w[0] > 575 && w[0] < 577, "\(kernel): \(w[0])")
            #expect(w.map(\.bitPattern) == c.w, "\(kernel)")
        }
    }

    @Test func aTamperedFactorChangesTheProduct() throws {
        // The check must be able to say no: one factor's value moved by one level's worth.
        let c = try #require(Self.fixture.cases.first)
        var u = c.u
        u[c.rank + 2] += 0.5
        let w = IntegerMerge.product(u: u, s: c.s, vt: c.vt, shape: c.shape)
        #expect(w.map(\.bitPattern) != c.w)
    }

    @Test func itIsCloseToTheFloat32Product() {
        // Not the definition, a sanity bound: 16-bit factors keep W' within 1% of its largest value.
        for c in Self.fixture.cases where c.rank < 576 {
            let w = IntegerMerge.product(u: c.u, s: c.s, vt: c.vt, shape: c.shape)
            var largest: Float = 0, worst: Float = 0
            for i in 0..<c.outputs {
                for j in 0..<c.inputs {
                    var exact: Float = 0
                    for k in 0..<c.rank { exact += c.u[i * c.rank + k] * c.s[k] * c.vt[k * c.inputs + j] }
                    largest = max(largest, abs(exact))
                    worst = max(worst, abs(exact - w[i * c.inputs + j]))
                }
            }
            #expect(worst < largest / 100, "\(c.outputs)x\(c.inputs): worst \(worst) of \(largest)")
        }
    }
}
