import CKernels
import Tensor

/// Float32 to GGUF's block formats, for exported models and re-quantised merged matrices: a
/// function per format, the inverse of `Dequantize`'s, rounding as ggml's reference
/// quantisers do (checked byte for byte against llama.cpp's own Python package in
/// `QuantizeTests`).
public enum Quantize {
    /// The formats a model can be exported in.
    public static let exportTypes: [GGMLType] = [.f32, .f16, .q8_0]

    public static func bytes(_ values: [Float], as type: GGMLType) -> [UInt8] {
        switch type {
        case .f32: values.withUnsafeBytes { Array($0) }
        case .f16: f16(values)
        case .q5_0: q5(values, withMinimum: false)
        case .q5_1: q5(values, withMinimum: true)
        case .q8_0: q8_0(values)
        default: preconditionFailure("\(type.name) has no quantiser")
        }
    }

    /// IEEE half precision, round to nearest even, little-endian.
    static func f16(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 2)
        for (i, value) in values.enumerated() {
            let bits = Float16(value).bitPattern
            out[2 * i] = UInt8(bits & 0xFF)
            out[2 * i + 1] = UInt8(bits >> 8)
        }
        return out
    }

    /// Blocks of 32: d = max|x| / 127 (stored as f16), then 32 signed bytes round(x / d),
    /// halves away from zero (C's `roundf`): `gesal_quantize_q8_0` in CKernels, which takes
    /// AVX2 where the CPU has it, with the same bytes.
    static func q8_0(_ values: [Float]) -> [UInt8] {
        precondition(values.count % 32 == 0, "Q8_0 rows are whole blocks of 32")
        return blockwise(values, blockBytes: 34) { x, y, blocks in
            gesal_quantize_q8_0(x + blocks.lowerBound * 32, Int64(blocks.count), y + blocks.lowerBound * 34)
        }
    }

    /// Blocks of 32 in five bits. Q5_0: d = (the value of largest magnitude) / -16, values
    /// trunc(x / d + 16.5) capped at 31 (v - 16 comes back). Q5_1: d = (max - min) / 31 and
    /// m = min, values trunc((x - m) / d + 0.5). Both: d (and m) as f16, then the 32 fifth bits
    /// (bit i is value i's), then 16 bytes of low nibbles, value j in byte j's low half and
    /// value j + 16 in its high half. Divisions use the unrounded d, as ggml's do.
    static func q5(_ values: [Float], withMinimum: Bool) -> [UInt8] {
        precondition(values.count % 32 == 0, "Q5 rows are whole blocks of 32")
        let blockBytes = withMinimum ? 24 : 22
        return blockwise(values, blockBytes: blockBytes) { x, out, blocks in
            for b in blocks {
                let block = x + b * 32
                var y = out + b * blockBytes
                var d: Float, offset: Float, origin: Float = 0
                if withMinimum {
                    var (low, high) = (block[0], block[0])
                    for i in 1..<32 { low = min(low, block[i]); high = max(high, block[i]) }
                    (d, offset, origin) = ((high - low) / 31, 0.5, low)
                } else {
                    var largest: Float = 0
                    for i in 0..<32 where abs(block[i]) > abs(largest) { largest = block[i] }
                    (d, offset) = (largest / -16, 16.5)
                }
                let inverse: Float = d == 0 ? 0 : 1 / d
                putHalf(d, y)
                if withMinimum { putHalf(origin, y + 2) }
                y += withMinimum ? 4 : 2
                // Clamped before the conversion, which would stop the process on a NaN or an
                // overflow; a finite block's levels are in range already.
                @inline(__always) func level(_ i: Int) -> UInt32 { UInt32(max(0, min(31, (block[i] - origin) * inverse + offset))) }
                var fifth: UInt32 = 0
                for j in 0..<16 {
                    let (low, high) = (level(j), level(j + 16))
                    y[4 + j] = UInt8(truncatingIfNeeded: (low & 0x0F) | (high << 4))
                    fifth |= (low >> 4) << UInt32(j) | (high >> 4) << UInt32(j + 16)
                }
                for i in 0..<4 { y[i] = UInt8(truncatingIfNeeded: fifth >> UInt32(8 * i)) }
            }
        }
    }

    /// Quantises `values` in blocks of 32 values to `blockBytes` bytes each: `run(values, bytes,
    /// blocks)` writes the blocks of a run. Blocks are independent, so the runs are shared out
    /// over the products' threads: a merged adapter quantises 90 matrices of ~900,000 values,
    /// a quarter of a merge on one thread. A run's loop is inside `run`, not a call per block.
    @inline(__always)
    private static func blockwise(_ values: [Float], blockBytes: Int,
                                  _ run: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<UInt8>, Range<Int>) -> Void) -> [UInt8] {
        let blocks = values.count / 32
        return [UInt8](unsafeUninitializedCapacity: blocks * blockBytes) { out, initialized in
            values.withUnsafeBufferPointer { x in
                let (source, target) = (UnsafeSendable(x.baseAddress!), UnsafeSendable(out.baseAddress!))
                ParallelRuns.forEach(blocks) { run(source.value, target.value, $0) }
            }
            initialized = blocks * blockBytes
        }
    }

    /// `value` as an IEEE half float, little-endian, at `p`.
    @inline(__always) static func putHalf(_ value: Float, _ p: UnsafeMutablePointer<UInt8>) {
        let bits = Float16(value).bitPattern
        p[0] = UInt8(bits & 0xFF)
        p[1] = UInt8(bits >> 8)
    }
}
