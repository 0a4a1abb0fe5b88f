import Foundation
import Testing
@testable import Models

/// Each block format checked block by block against a decoder written here per output index,
/// straight from the block layout, and against hand-built blocks with known values.
@Suite struct DequantizeTests {
    private func half(_ b: [UInt8], _ o: Int) -> Float { Float(Float16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8)) }

    /// Value `i` of one block, computed on its own.
    private func reference(_ b: [UInt8], _ type: GGMLType, _ i: Int) -> Float {
        func nibble(_ offset: Int, _ i: Int) -> Int { i < 16 ? Int(b[offset + i] & 15) : Int(b[offset + i - 16] >> 4) }
        func bit(_ offset: Int, _ i: Int) -> Int { Int(b[offset + i / 8] >> UInt8(i % 8)) & 1 }
        func scaleMin(_ j: Int) -> (Float, Float) {  // the 6-bit fields of the 12 scale bytes at offset 4
            let s = Array(b[4..<16])
            let scale = j < 4 ? Int(s[j]) & 63 : (Int(s[j + 4]) & 15) + (Int(s[j - 4]) >> 6) * 16
            let min = j < 4 ? Int(s[j + 4]) & 63 : (Int(s[j + 4]) >> 4) + (Int(s[j]) >> 6) * 16
            return (Float(scale), Float(min))
        }
        switch type {
        case .q4_0: return Float(nibble(2, i) - 8) * half(b, 0)
        case .q4_1: return Float(nibble(4, i)) * half(b, 0) + half(b, 2)
        case .q5_0: return Float(nibble(6, i) + 16 * bit(2, i) - 16) * half(b, 0)
        case .q5_1: return Float(nibble(8, i) + 16 * bit(4, i)) * half(b, 0) + half(b, 2)
        case .q8_0: return Float(Int8(bitPattern: b[2 + i])) * half(b, 0)
        case .q4_K, .q5_K:
            let sub = i / 32, chunk = i / 64, l = i % 32
            let qsOffset = type == .q4_K ? 16 : 48
            let byte = b[qsOffset + 32 * chunk + l]
            var q = sub % 2 == 0 ? Int(byte & 15) : Int(byte >> 4)
            if type == .q5_K { q += 16 * (Int(b[16 + l] >> UInt8(sub)) & 1) }
            let (scale, min) = scaleMin(sub)
            return half(b, 0) * scale * Float(q) - half(b, 2) * min
        case .q6_K:
            let part = i / 128, r = i % 128, k = r / 32, l = r % 32
            let lowByte = b[64 * part + l + 32 * (k % 2)]
            let low = k < 2 ? Int(lowByte & 15) : Int(lowByte >> 4)
            let high = Int(b[128 + 32 * part + l] >> UInt8(2 * k)) & 3
            let scale = Float(Int8(bitPattern: b[192 + 8 * part + l / 16 + 2 * k]))
            return half(b, 208) * scale * Float(low + 16 * high - 32)
        case .f32, .f16, .bf16: return .nan
        }
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K])
    func randomBlocksMatchTheReferenceDecoder(type: GGMLType) {
        var rng = RandomSource(seed: UInt64(type.rawValue))
        let blocks = 16
        let raw = TinyGGUF.weights(blocks * type.blockSize, type: type, rng: &rng)
        let values = raw.withUnsafeBytes { Dequantize.floats($0, type: type, count: blocks * type.blockSize) }
        for block in 0..<blocks {
            let bytes = Array(raw[(block * type.blockBytes)..<((block + 1) * type.blockBytes)])
            for i in 0..<type.blockSize {
                let expected = reference(bytes, type, i)
                let got = values[block * type.blockSize + i]
                let tolerance: Float = 1e-6 * max(1, abs(expected))
                #expect(abs(got - expected) <= tolerance, "\(type.name) block \(block) value \(i): \(got) vs \(expected)")
            }
        }
    }

    @Test func handBuiltBlocksDecodeToKnownValues() {
        // Q8_0: d = 0.5, q = -16...15 → -8 ... 7.5
        var q8: [UInt8] = [0x00, 0x38]  // 0.5 as a half float
        q8 += (-16..<16).map { (i: Int) -> UInt8 in UInt8(bitPattern: Int8(i)) }
        let expected8: [Float] = (-16..<16).map { (i: Int) -> Float in Float(i) * 0.5 }
        #expect(q8.withUnsafeBytes { Dequantize.floats($0, type: .q8_0, count: 32) } == expected8)

        // Q4_1: d = 1, m = -8: value = nibble - 8, low nibbles first.
        var q41: [UInt8] = [0x00, 0x3C, 0x00, 0xC8]  // 1.0, -8.0
        q41 += (0..<16).map { (i: Int) -> UInt8 in UInt8(i) | UInt8(15 - i) << 4 }
        let lows: [Float] = (0..<16).map { (i: Int) -> Float in Float(i - 8) }
        let highs: [Float] = (0..<16).map { (i: Int) -> Float in Float(7 - i) }
        let expected41 = lows + highs
        #expect(q41.withUnsafeBytes { Dequantize.floats($0, type: .q4_1, count: 32) } == expected41)

        // Q4_K: d = 1, dmin = 1, every scale 1 and min 0: value = nibble.
        var q4k: [UInt8] = [0x00, 0x3C, 0x00, 0x3C]
        q4k += [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]  // sub-blocks 0-3: bytes 0-3 scales, 4-7 mins; 4-7 in bytes 8-11
        q4k += (0..<128).map { (i: Int) -> UInt8 in UInt8(i % 16) | UInt8((i + 1) % 16) << 4 }
        let values = q4k.withUnsafeBytes { Dequantize.floats($0, type: .q4_K, count: 256) }
        #expect(values[0] == 0 && values[5] == 5 && values[32] == 1 && values[33] == 2 && values[64] == 0)

        // F16 and BF16 of known numbers.
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]  // 1.0, -2.0
        #expect(f16.withUnsafeBytes { Dequantize.floats($0, type: .f16, count: 2) } == [1, -2])
        let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0xC0]  // 1.0, -3.0
        #expect(bf16.withUnsafeBytes { Dequantize.floats($0, type: .bf16, count: 2) } == [1, -3])
    }
}
