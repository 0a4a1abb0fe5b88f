import Models
import Testing
@testable import Tensor

/// A LoRA beside a quantised matrix (`LinearWeight.blocksBeside`): the blocks' own product plus
/// scale · B · (A · x). The oracle for the term is the definition in double precision; the
/// blocks' product is `QuantizedMatrix`'s, checked on its own in QuantizedMatrixTests.
@Suite struct LowRankBesideBlocksTests {
    // 43 outputs (five groups of eight and a tail of three), 64 inputs (two Q8_0 blocks), rank 3
    // (A's product has only a tail of lanes), 5 rows (a group of four and one alone).
    static let (outputs, inputs, rank, rows) = (43, 64, 3, 5)
    static let matrix = QuantizedMatrixTests.matrix(.q8_0, outputs: outputs, inputs: inputs)
    static let term = LowRankTerm(rank: rank, scale: 0.7, a: QuantizedMatrixTests.floats(rank * inputs, seed: 11),
                                  b: QuantizedMatrixTests.floats(outputs * rank, seed: 12))
    static let x = QuantizedMatrixTests.floats(rows * inputs, seed: 13)

    /// Σₖ scale · B[j, k] · Σᵢ A[k, i] · x[r, i], in double precision.
    static func termProduct(row r: Int, output j: Int) -> Double {
        (0..<rank).reduce(0.0) { sum, k in
            sum + Double(term.scale) * Double(term.b[j * rank + k])
                * (0..<inputs).reduce(0.0) { $0 + Double(term.a[k * inputs + $1]) * Double(x[r * inputs + $1]) }
        }
    }

    static func product(_ w: LinearWeight, _ x: [Float], rows: Int, onto start: [Float]? = nil) -> [Float] {
        var y = start ?? [Float](repeating: 0, count: rows * outputs)
        w.multiply(x, rows: rows, outputs: outputs, inputs: inputs, into: &y, accumulate: start != nil)
        return y
    }

    @Test func theProductIsTheBlocksProductPlusTheTerm() {
        let blocksAlone = Self.product(.blocks(Self.matrix), Self.x, rows: Self.rows)
        let beside = Self.product(.blocksBeside(Self.matrix, [Self.term]), Self.x, rows: Self.rows)
        for r in 0..<Self.rows {
            for j in 0..<Self.outputs {
                let expected = Double(blocksAlone[r * Self.outputs + j]) + Self.termProduct(row: r, output: j)
                #expect(abs(Double(beside[r * Self.outputs + j]) - expected) <= 1e-5 * max(1, abs(expected)), "row \(r), output \(j)")
            }
        }
    }

    @Test func accumulatingAddsTheWholeProductOnce() {
        let start = QuantizedMatrixTests.floats(Self.rows * Self.outputs, seed: 14)
        let fresh = Self.product(.blocksBeside(Self.matrix, [Self.term]), Self.x, rows: Self.rows)
        let onto = Self.product(.blocksBeside(Self.matrix, [Self.term]), Self.x, rows: Self.rows, onto: start)
        for i in start.indices {
            #expect(abs(onto[i] - (start[i] + fresh[i])) <= 1e-5 * max(1, abs(onto[i])), "value \(i)")
        }
    }

    @Test func twoTermsAddBoth() {
        let other = LowRankTerm(rank: 2, scale: -1.5, a: QuantizedMatrixTests.floats(2 * Self.inputs, seed: 15),
                                b: QuantizedMatrixTests.floats(Self.outputs * 2, seed: 16))
        let one = Self.product(.blocksBeside(Self.matrix, [Self.term]), Self.x, rows: Self.rows)
        let two = Self.product(.blocksBeside(Self.matrix, [Self.term, other]), Self.x, rows: Self.rows)
        let otherAlone = Self.product(.blocksBeside(Self.matrix, [other]), Self.x, rows: Self.rows)
        let blocksAlone = Self.product(.blocks(Self.matrix), Self.x, rows: Self.rows)
        for i in one.indices {
            let expected = one[i] + (otherAlone[i] - blocksAlone[i])
            #expect(abs(two[i] - expected) <= 1e-4 * max(1, abs(expected)), "value \(i)")
        }
    }

    /// Replay and batches depend on it: a row's bits are the same alone, in a batch, and on
    /// more threads.
    @Test func aRowsBitsDoNotDependOnTheRowsBesideItOrTheThreads() {
        let weight = LinearWeight.blocksBeside(Self.matrix, [Self.term])
        let batch = Self.product(weight, Self.x, rows: Self.rows)
        for r in 0..<Self.rows {
            let alone = Self.product(weight, Array(Self.x[(r * Self.inputs)..<((r + 1) * Self.inputs)]), rows: 1)
            #expect(alone == Array(batch[(r * Self.outputs)..<((r + 1) * Self.outputs)]), "row \(r)")
        }
        let before = RowProducts.threadCount.exchange(2, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        #expect(Self.product(weight, Self.x, rows: Self.rows) == batch)
    }

    @Test func theFloatsAndEachRowAreTheDequantisedBlocksPlusScaledBA() {
        let weight = LinearWeight.blocksBeside(Self.matrix, [Self.term])
        let dequantised = LinearWeight.blocks(Self.matrix).floats, floats = weight.floats
        var row = [Float](repeating: 0, count: Self.inputs)
        for j in 0..<Self.outputs {
            row.withUnsafeMutableBufferPointer { weight.copyRow(j, width: Self.inputs, into: $0.baseAddress!) }
            for i in 0..<Self.inputs {
                let ba = (0..<Self.rank).reduce(0.0) { $0 + Double(Self.term.b[j * Self.rank + $1]) * Double(Self.term.a[$1 * Self.inputs + i]) }
                let expected = Double(dequantised[j * Self.inputs + i]) + Double(Self.term.scale) * ba
                #expect(abs(Double(floats[j * Self.inputs + i]) - expected) <= 1e-5, "floats[\(j), \(i)]")
                #expect(abs(Double(row[i]) - expected) <= 1e-5, "row \(j)[\(i)]")
            }
        }
    }

    @Test func itReadsTheBlocksAndTheFactors() {
        let weight = LinearWeight.blocksBeside(Self.matrix, [Self.term])
        #expect(weight.byteCount == Self.matrix.bytes.count + (Self.rank * (Self.inputs + Self.outputs)) * 4)
        #expect(weight.format == .q8_0)
    }
}
