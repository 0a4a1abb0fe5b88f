import CKernels
import Foundation
import Models
import Testing
@testable import Tensor

/// Products with weights kept in GGML block formats. The oracle is `Dequantize` (checked
/// against llama.cpp's own Python package in DequantizeTests): the weights and the quantised
/// activations dequantised to floats and multiplied in double precision. Integer block sums
/// leave only float rounding between the two.
@Suite(.serialized) struct QuantizedMatrixTests {
    /// Deterministic bytes.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        bytes(count, seed: seed).map { Float(Int($0) - 128) / 64 }
    }

    /// Random blocks whose half-float scales are small, finite numbers (random bytes there
    /// would give infinities and NaNs, which no model file holds).
    static func blocks(_ format: BlockFormat, outputs: Int, inputs: Int, seed: UInt64) -> [UInt8] {
        var raw = bytes(outputs * inputs / format.blockSize * format.blockBytes, seed: seed)
        let scaleOffsets: [Int] = switch format {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        }
        for block in 0..<(raw.count / format.blockBytes) {
            for (n, offset) in scaleOffsets.enumerated() {
                let scale = Float16(Float(1 + (block * 7 + n * 3) % 13) / 512 * (n == 1 && format == .q4_1 ? -1 : 1))
                raw[block * format.blockBytes + offset] = UInt8(scale.bitPattern & 0xFF)
                raw[block * format.blockBytes + offset + 1] = UInt8(scale.bitPattern >> 8)
            }
        }
        return raw
    }

    static let (outputs, inputs, rows) = (7, 512, 3)  // 7 outputs: one group of four and a tail of three

    static func matrix(_ format: BlockFormat, outputs: Int = outputs, inputs: Int = inputs, seed: UInt64 = 5) -> QuantizedMatrix {
        QuantizedMatrix(format: format, outputs: outputs, inputs: inputs, bytes: blocks(format, outputs: outputs, inputs: inputs, seed: seed))
    }

    static func product(_ m: QuantizedMatrix, _ x: [Float], rows: Int, kernel: QuantizedMatrix.Kernel, threads: Int = 1, onto start: [Float]? = nil) -> [Float] {
        let before = RowProducts.threadCount.exchange(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        var y = start ?? [Float](repeating: 0, count: rows * m.outputs)
        QuantizedMatrix.using(kernel) {
            x.withUnsafeBufferPointer { m.multiply($0.baseAddress!, rows: rows, into: &y, accumulate: start != nil) }
        }
        return y
    }

    @Test(arguments: BlockFormat.allCases) func theProductIsTheDequantisedProduct(format: BlockFormat) {
        let m = Self.matrix(format)
        let x = Self.floats(Self.rows * Self.inputs, seed: 9)
        let y = Self.product(m, x, rows: Self.rows, kernel: .portable)
        let w = m.bytes.withUnsafeBytes { Dequantize.floats($0, type: GGMLType(format), count: Self.outputs * Self.inputs) }
        let a = x.withUnsafeBufferPointer { QuantizedActivations($0.baseAddress!, rows: Self.rows, inputs: Self.inputs) }
        let xq = (0..<(Self.rows * Self.inputs)).map { Double(a.values[$0]) * Double(a.scales[$0 / 32]) }
        for b in 0..<Self.rows {
            for j in 0..<Self.outputs {
                let terms = (0..<Self.inputs).map { Double(w[j * Self.inputs + $0]) * xq[b * Self.inputs + $0] }
                let reference = terms.reduce(0, +), size = terms.reduce(0) { $0 + abs($1) }
                #expect(size > 0.1, "the random blocks must give products of some size")
                #expect(abs(Double(y[b * Self.outputs + j]) - reference) <= 1e-5 * size, "\(format.rawValue) [\(b), \(j)]: \(y[b * Self.outputs + j]) against \(reference)")
            }
        }
    }

    @Test func quantisedActivationsRoundHalvesAwayFromZero() {
        // max |x| = 127, so d = 1 and each value is its own rounding.
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127; x[1] = 2.5; x[2] = -2.5; x[3] = 0.49; x[4] = -126.5; x[5] = 3.5
        let a = x.withUnsafeBufferPointer { QuantizedActivations($0.baseAddress!, rows: 1, inputs: 32) }
        #expect(Array(a.values[0..<6]) == [127, 3, -3, 0, -127, 4])
        #expect(a.scales == [1])
        #expect(a.sums == [127 + 3 - 3 + 0 - 127 + 4])
        #expect(a.scaledSums == [4])
    }

    @Test func quantisedActivationsAreGGUFPysQ8_0Values() {
        // ggml's Q8_0 rounds x · (1/d) as the activations do; only its scale is stored in f16.
        let golden = QuantizeTests.fixture
        let bytes = stride(from: 0, to: golden.q8_0.count, by: 2).map { UInt8(golden.q8_0.dropFirst($0).prefix(2), radix: 16)! }
        let blocks = golden.values.count / 32
        let expected = (0..<blocks).flatMap { b in bytes[(b * 34 + 2)..<(b * 34 + 34)].map { Int8(bitPattern: $0) } }
        let a = golden.values.withUnsafeBufferPointer { QuantizedActivations($0.baseAddress!, rows: 1, inputs: golden.values.count) }
        #expect(a.values == expected)
        #expect(a.sums == (0..<blocks).map { b in expected[(b * 32)..<(b * 32 + 32)].reduce(Int32(0)) { $0 + Int32($1) } })
    }

    /// Each of CKernels' activation quantisers (0 the x86-64 baseline, 1 AVX2), not just the one
    /// this CPU picks, gives gguf-py's Q8_0 levels, and the scales, sums and scaled sums the
    /// definition gives from them.
    @Test(arguments: [Int32(0), 1]) func eachActivationKernelGivesGGUFPysQ8_0Values(kernel: Int32) {
        let golden = QuantizeTests.fixture
        let bytes = stride(from: 0, to: golden.q8_0.count, by: 2).map { UInt8(golden.q8_0.dropFirst($0).prefix(2), radix: 16)! }
        let blocks = golden.values.count / 32
        let expected = (0..<blocks).flatMap { b in bytes[(b * 34 + 2)..<(b * 34 + 34)].map { Int8(bitPattern: $0) } }
        var (q, d, sums, scaled) = ([Int8](repeating: 0, count: blocks * 32), [Float](repeating: 0, count: blocks),
                                    [Int32](repeating: 0, count: blocks), [Float](repeating: 0, count: blocks))
        guard gesal_quantize_q8_blocks_with(kernel, golden.values, Int64(blocks), &q, &d, &sums, &scaled) == 0 else { return }  // no AVX2 here
        #expect(q == expected)
        for b in 0..<blocks {
            let block = golden.values[(b * 32)..<(b * 32 + 32)]
            #expect(d[b] == block.map(abs).max()! / 127, "block \(b)")
            #expect(sums[b] == expected[(b * 32)..<(b * 32 + 32)].reduce(Int32(0)) { $0 + Int32($1) }, "block \(b)")
            #expect(scaled[b] == d[b] * Float(sums[b]), "block \(b)")
        }
    }

    @Test func aBlockOfZerosQuantisesToZerosWithScaleZero() {
        let x = [Float](repeating: 0, count: 64)
        let a = x.withUnsafeBufferPointer { QuantizedActivations($0.baseAddress!, rows: 2, inputs: 32) }
        #expect(a.values.allSatisfy { $0 == 0 } && a.scales == [0, 0] && a.sums == [0, 0])
    }

    static let vectorCases: [(QuantizedMatrix.Kernel, BlockFormat)] = QuantizedMatrix.Kernel.allCases.filter { $0 != .portable }
        .flatMap { kernel in BlockFormat.allCases.filter { kernel.runs($0) }.map { (kernel, $0) } }

    @Test(arguments: vectorCases) func aVectorKernelGivesThePortableBits(kernel: QuantizedMatrix.Kernel, format: BlockFormat) {
        // 70 rows: a block of 64 and a tail; 9 outputs: two groups of four and one alone.
        let m = Self.matrix(format, outputs: 9, inputs: 96)
        let x = Self.floats(70 * 96, seed: 11)
        let portable = Self.product(m, x, rows: 70, kernel: .portable)
        let vector = Self.product(m, x, rows: 70, kernel: kernel)
        #expect(vector.map(\.bitPattern) == portable.map(\.bitPattern))
    }

    /// The C kernels hand two rows or more (Q8_0: four) to a kernel that unpacks eight outputs'
    /// blocks once for all rows, 32 blocks at a time, and takes the rows four at a time: these
    /// shapes give it a second chunk of blocks (33 blocks), a group of eight outputs with a tail
    /// (17), and every tail of rows.
    static let groupedCases: [(QuantizedMatrix.Kernel, BlockFormat, Int)] = vectorCases.flatMap { kernel, format in
        [2, 3, 5, 6, 7].map { (kernel, format, $0) }
    }

    @Test(arguments: groupedCases) func manyRowsGiveThePortableBits(kernel: QuantizedMatrix.Kernel, format: BlockFormat, rows: Int) {
        let inputs = 33 * 32
        let m = Self.matrix(format, outputs: 17, inputs: inputs)
        let x = Self.floats(rows * inputs, seed: 23)
        let portable = Self.product(m, x, rows: rows, kernel: .portable)
        let vector = Self.product(m, x, rows: rows, kernel: kernel)
        #expect(vector.map(\.bitPattern) == portable.map(\.bitPattern))
    }

    /// Every weight at its format's largest magnitude (Q4_1's 15, Q5's 31 before Q5_0's bias,
    /// Q8_0's -128) against activations of ±127: the many-row kernel adds byte products as 16-bit
    /// words before widening them, and these are the sums nearest overflow.
    @Test(arguments: vectorCases) func theLargestIntegerSumsDoNotOverflow(kernel: QuantizedMatrix.Kernel, format: BlockFormat) {
        let inputs = 64, rows = 4, outputs = 9
        var raw = Self.blocks(format, outputs: outputs, inputs: inputs, seed: 29)
        // The values follow d, and m where the format has one; Q5's fifth bits and nibbles,
        // all ones, are 31.
        let valuesStart = format == .q4_1 || format == .q5_1 ? 4 : 2
        for block in 0..<(raw.count / format.blockBytes) {
            for i in (block * format.blockBytes + valuesStart)..<((block + 1) * format.blockBytes) {
                raw[i] = format == .q8_0 ? 0x80 : 0xFF
            }
        }
        let m = QuantizedMatrix(format: format, outputs: outputs, inputs: inputs, bytes: raw)
        // Rows of +1 and -1 quantise to +127 and -127 in every block.
        let x = (0..<(rows * inputs)).map { $0 / inputs % 2 == 0 ? Float(1) : -1 }
        let portable = Self.product(m, x, rows: rows, kernel: .portable)
        let vector = Self.product(m, x, rows: rows, kernel: kernel)
        #expect(vector.map(\.bitPattern) == portable.map(\.bitPattern))
        // The activations are at their extreme too.
        let a = x.withUnsafeBufferPointer { QuantizedActivations($0.baseAddress!, rows: rows, inputs: inputs) }
        #expect(a.values.allSatisfy { abs($0) == 127 })
    }

    static let allKernelCases: [(QuantizedMatrix.Kernel, BlockFormat)] = QuantizedMatrix.Kernel.allCases
        .flatMap { kernel in BlockFormat.allCases.filter { kernel.runs($0) }.map { (kernel, $0) } }

    @Test(arguments: allKernelCases) func aRowGivesTheSameBitsAloneAsInABatchOnAnyThreads(kernel: QuantizedMatrix.Kernel, format: BlockFormat) {
        let m = Self.matrix(format, outputs: 200, inputs: 256)
        let x = Self.floats(5 * 256, seed: 13)
        let batch = Self.product(m, x, rows: 5, kernel: kernel, threads: 2)
        for b in 0..<5 {
            let alone = Self.product(m, Array(x[(b * 256)..<((b + 1) * 256)]), rows: 1, kernel: kernel)
            #expect(alone.map(\.bitPattern) == batch[(b * 200)..<((b + 1) * 200)].map(\.bitPattern), "row \(b)")
        }
    }

    @Test(arguments: allKernelCases) func accumulatingAddsTheProductOntoWhatIsThere(kernel: QuantizedMatrix.Kernel, format: BlockFormat) {
        let m = Self.matrix(format, outputs: 5, inputs: 256)
        let x = Self.floats(2 * 256, seed: 17)
        let start = Self.floats(10, seed: 19)
        let product = Self.product(m, x, rows: 2, kernel: kernel)
        let accumulated = Self.product(m, x, rows: 2, kernel: kernel, onto: start)
        #expect(accumulated == zip(start, product).map { $0 + $1 })
    }

    /// A block's q, k and v (or gate and up) run as one job over one quantisation of their
    /// rows: each product must give the bits it gives alone. Three formats, one matrix in a
    /// single run (100 outputs), one added onto what is there; 70 rows cross the kernels'
    /// 64-row blocks.
    @Test(arguments: [3, 70]) func productsOfTheSameRowsGiveTheBitsEachGivesAlone(rows: Int) {
        let matrices = [Self.matrix(.q4_1, outputs: 192, inputs: 256, seed: 31), Self.matrix(.q8_0, outputs: 100, inputs: 256, seed: 37),
                        Self.matrix(.q4_K, outputs: 300, inputs: 256, seed: 41)]
        let x = Self.floats(rows * 256, seed: 43)
        let start = Self.floats(rows * 300, seed: 47)
        let alone = matrices.indices.map { Self.product(matrices[$0], x, rows: rows, kernel: .best(for: matrices[$0].format), threads: 2, onto: $0 == 2 ? start : nil) }
        let before = RowProducts.threadCount.exchange(2, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        var (a, b, c) = ([Float](repeating: .nan, count: rows * 192), [Float](repeating: .nan, count: rows * 100), start)
        x.withUnsafeBufferPointer { xs in
            a.withUnsafeMutableBufferPointer { ap in
                b.withUnsafeMutableBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        QuantizedMatrix.multiply(xs.baseAddress!, rows: rows, by: [QuantizedMatrix.Product(matrices[0], into: ap.baseAddress!),
                                                                                   QuantizedMatrix.Product(matrices[1], into: bp.baseAddress!),
                                                                                   QuantizedMatrix.Product(matrices[2], into: cp.baseAddress!, accumulate: true)])
                    }
                }
            }
        }
        for (i, together) in [a, b, c].enumerated() {
            #expect(together.map(\.bitPattern) == alone[i].map(\.bitPattern), "matrix \(i)")
        }
    }

    @Test func theQuantisedProductIsCloseToTheFloatProduct() {
        // What quantising the activations costs: against x itself, not its quantised form.
        let m = Self.matrix(.q8_0, outputs: 16, inputs: 1024)
        let x = Self.floats(1024, seed: 23)
        let y = Self.product(m, x, rows: 1, kernel: .portable)
        let w = m.bytes.withUnsafeBytes { Dequantize.floats($0, type: .q8_0, count: 16 * 1024) }
        for j in 0..<16 {
            let terms = (0..<1024).map { Double(w[j * 1024 + $0]) * Double(x[$0]) }
            let size = terms.reduce(0) { $0 + abs($1) }
            #expect(abs(Double(y[j]) - terms.reduce(0, +)) <= 0.005 * size, "output \(j)")
        }
    }
}
