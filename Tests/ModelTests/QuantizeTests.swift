import Foundation
import CKernels
import Testing
@testable import Models
@testable import Tensor

/// GESAL's quantisers against llama.cpp's Python package (gguf-py), byte for byte
/// (`scripts/make-quant-golden.py` wrote the fixture), and back through `Dequantize`.
struct QuantizeTests {
    struct Golden: Decodable { var values: [Float]; var f16: String; var q5_0: String; var q5_1: String; var q8_0: String }
    static let fixture = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Bundle.module.url(forResource: "Fixtures/quantize", withExtension: "json")!))
    static let values = fixture.values

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func f16MatchesGGUFPy() {
        #expect(Self.hex(Quantize.bytes(Self.values, as: .f16)) == Self.fixture.f16)
    }

    @Test func q8_0MatchesGGUFPyIncludingTiesAndAZeroBlock() {
        #expect(Self.hex(Quantize.bytes(Self.values, as: .q8_0)) == Self.fixture.q8_0)
    }

    @Test func q5_0MatchesGGUFPy() {
        #expect(Self.hex(Quantize.bytes(Self.values, as: .q5_0)) == Self.fixture.q5_0)
    }

    @Test func q5_1MatchesGGUFPy() {
        #expect(Self.hex(Quantize.bytes(Self.values, as: .q5_1)) == Self.fixture.q5_1)
    }

    /// A merged matrix is quantised in runs of blocks on several threads: the fixture's blocks
    /// repeated 100 times (400 blocks, runs of 134 or 200) give gguf-py's bytes repeated, on
    /// every thread count.
    @Test(arguments: [(GGMLType.q5_0, 2), (.q5_1, 3), (.q8_0, 2), (.q8_0, 3)]) func runsOnThreadsGiveGGUFPysBytes(type: GGMLType, threads: Int) {
        let before = RowProducts.threadCount.exchange(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        let golden = [GGMLType.q5_0: Self.fixture.q5_0, .q5_1: Self.fixture.q5_1, .q8_0: Self.fixture.q8_0][type]!
        let tiled = [[Float]](repeating: Self.values, count: 100).flatMap { $0 }
        #expect(Self.hex(Quantize.bytes(tiled, as: type)) == String(repeating: golden, count: 100))
    }

    /// Q5_1 rounds to the nearest of 32 levels from the block's minimum: back within half a
    /// step (max - min) / 31, plus the f16 rounding of d and m.
    @Test func q5_1ComesBackWithinHalfAStep() {
        let bytes = Quantize.bytes(Self.values, as: .q5_1)
        let back = bytes.withUnsafeBytes { Dequantize.floats($0, type: .q5_1, count: Self.values.count) }
        for block in 0..<(Self.values.count / 32) {
            let slice = Self.values[(block * 32)..<(block * 32 + 32)]
            let (low, high) = (slice.min()!, slice.max()!), step = (high - low) / 31
            guard step >= Float(Float16.leastNormalMagnitude) else { continue }
            let amax = max(abs(low), abs(high))
            for i in slice.indices { #expect(abs(back[i] - Self.values[i]) <= step * 0.5 + amax * 2e-3) }
        }
    }

    /// A merge of a wild adapter can hold NaNs, infinities or values past Float's range once
    /// scaled: every quantiser still writes its bytes (the conversion to integers used to stop
    /// the process there).
    @Test(arguments: [GGMLType.q5_0, .q5_1, .q8_0]) func nonFiniteValuesStillQuantise(type: GGMLType) {
        var values = Self.values
        values[3] = .nan
        values[40] = .infinity
        values[70] = -.infinity
        values[100] = .greatestFiniteMagnitude
        values[101] = -.greatestFiniteMagnitude
        #expect(Quantize.bytes(values, as: type).count == values.count / 32 * type.blockBytes)
    }

    /// Q8_0 with one of CKernels' kernels (0 the x86-64 baseline, 1 AVX2); nil when this CPU
    /// cannot run it.
    static func q8_0(_ values: [Float], kernel: Int32) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: values.count / 32 * 34)
        return gesal_quantize_q8_0_with(kernel, values, Int64(values.count / 32), &out) == 0 ? out : nil
    }

    /// Each kernel alone, not just the one this CPU picks, gives gguf-py's bytes.
    @Test(arguments: [Int32(0), 1]) func eachQ8_0KernelMatchesGGUFPy(kernel: Int32) throws {
        guard let bytes = Self.q8_0(Self.values, kernel: kernel) else { return }  // no AVX2 here: the baseline kernel is the one that runs
        #expect(Self.hex(bytes) == Self.fixture.q8_0)
    }

    /// What ggml's rule gives, worked by hand, for blocks gguf-py does not cover: halves of
    /// either sign, levels past ±127 before rounding, NaNs and infinities. The first block's
    /// largest magnitude is 127, so d = 1 (f16 0x3C00) and each level is its value rounded,
    /// halves away from zero, a NaN 127. In the second an infinity makes d infinite (0x7C00)
    /// and 1/d zero: finite values go to 0, infinities and NaNs (∞ · 0) to 127.
    @Test(arguments: [Int32(0), 1]) func q8_0KernelsRoundHalvesAwayAndSendNaNsTo127(kernel: Int32) throws {
        var first = [Float](repeating: 0, count: 32), second = [Float](repeating: 0, count: 32)
        let firstValues: [Float] = [0.5, -0.5, 2.5, -2.5, 1.4999999, -1.4999999, 126.5, -127, .nan, -0.0, 63.5, 100.49]
        let firstLevels: [Int8] = [1, -1, 3, -3, 1, -1, 127, -127, 127, 0, 64, 100]
        first.replaceSubrange(0..<firstValues.count, with: firstValues)
        first[31] = 127
        second.replaceSubrange(0..<5, with: [1, -.infinity, 3, .nan, .infinity])
        guard let bytes = Self.q8_0(first + second, kernel: kernel) else { return }
        var expected: [UInt8] = [0x00, 0x3C] + firstLevels.map { UInt8(bitPattern: $0) } + [UInt8](repeating: 0, count: 32 - firstLevels.count - 1) + [127]
        expected += [0x00, 0x7C, 0, 127, 0, 127, 127] + [UInt8](repeating: 0, count: 27)
        #expect(Self.hex(bytes) == Self.hex(expected))
    }

    @Test func q8_0ComesBackWithinHalfAStep() {
        let bytes = Quantize.bytes(Self.values, as: .q8_0)
        let back = bytes.withUnsafeBytes { Dequantize.floats($0, type: .q8_0, count: Self.values.count) }
        for block in 0..<(Self.values.count / 32) {
            let slice = Self.values[(block * 32)..<(block * 32 + 32)]
            let amax = slice.map(abs).max()!, step = amax / 127
            // A scale below f16's normal range (the 1e-6 block) loses its precision in f16, in
            // ggml too: that block is held to gguf-py's bytes above, not to this bound.
            guard step >= Float(Float16.leastNormalMagnitude) else { continue }
            // Half a step, plus d's own rounding to f16 (2⁻¹¹ relative, times |q| ≤ 127).
            for i in slice.indices { #expect(abs(back[i] - Self.values[i]) <= step * 0.5 + amax * 1e-3) }
        }
    }
}
