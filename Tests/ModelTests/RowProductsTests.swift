import Testing
@testable import Tensor

/// The decode step's products against a double-precision reference, and the property batched
/// decoding rests on: a row's numbers are the same whatever rows and threads come with it.
@Suite(.serialized) struct RowProductsTests {
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

    static func product(rows: Int, from first: Int = 0, threads: Int = 1, accumulateOnto start: [Float]? = nil) -> [Float] {
        RowProducts.threadCount.store(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(1, ordering: .relaxed) }
        var y = start ?? [Float](repeating: 0, count: rows * outputs)
        Array(x[(first * inputs)..<((first + rows) * inputs)]).withUnsafeBufferPointer { xs in
            RowProducts.multiply(xs.baseAddress!, rows: rows, w, outputs: outputs, inputs: inputs, into: &y, accumulate: start != nil)
        }
        return y
    }

    @Test func theProductIsTheReferenceProduct() {
        let y = Self.product(rows: Self.rows)
        for b in 0..<Self.rows {
            for j in 0..<Self.outputs {
                let reference = (0..<Self.inputs).reduce(0.0) { $0 + Double(Self.x[b * Self.inputs + $1]) * Double(Self.w[j * Self.inputs + $1]) }
                #expect(abs(Double(y[b * Self.outputs + j]) - reference) <= 1e-5, "[\(b), \(j)]")
            }
        }
    }

    @Test func aRowGivesTheSameBitsAloneAsInABatchOfAnySize() {
        let all = Self.product(rows: Self.rows)
        for b in 0..<Self.rows {
            let alone = Self.product(rows: 1, from: b)
            #expect(alone.map(\.bitPattern) == all[(b * Self.outputs)..<((b + 1) * Self.outputs)].map(\.bitPattern), "row \(b)")
        }
        let five = Self.product(rows: 5, from: 2)
        #expect(five.map(\.bitPattern) == all[(2 * Self.outputs)..<(7 * Self.outputs)].map(\.bitPattern))
    }

    @Test func theThreadCountChangesNoBit() {
        #expect(Self.product(rows: Self.rows, threads: 2).map(\.bitPattern) == Self.product(rows: Self.rows).map(\.bitPattern))
    }

    @Test func accumulatingAddsToWhatIsThere() {
        let start = Self.values(Self.rows * Self.outputs, seed: 3)
        let plain = Self.product(rows: Self.rows)
        let added = Self.product(rows: Self.rows, accumulateOnto: start)
        for i in plain.indices { #expect(added[i] == start[i] + plain[i]) }
    }
}
