/// Float32 to GGUF's block formats, for exported models: a function per format, the inverse
/// of `Dequantize`'s, rounding as ggml's reference quantisers do (checked byte for byte
/// against llama.cpp's own Python package in `QuantizeTests`).
public enum Quantize {
    /// The formats a model can be exported in.
    public static let exportTypes: [GGMLType] = [.f32, .f16, .q8_0]

    public static func bytes(_ values: [Float], as type: GGMLType) -> [UInt8] {
        switch type {
        case .f32: values.withUnsafeBytes { Array($0) }
        case .f16: f16(values)
        case .q8_0: q8_0(values)
        default: preconditionFailure("\(type.name) is not an export type")
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
    /// halves away from zero (C's `roundf`).
    static func q8_0(_ values: [Float]) -> [UInt8] {
        precondition(values.count % 32 == 0, "Q8_0 rows are whole blocks of 32")
        var out = [UInt8]()
        out.reserveCapacity(values.count / 32 * 34)
        for start in stride(from: 0, to: values.count, by: 32) {
            let block = values[start..<(start + 32)]
            let amax = block.reduce(Float(0)) { max($0, abs($1)) }
            let d = amax / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            out += f16([d])
            for value in block { out.append(UInt8(bitPattern: Int8((value * inverse).rounded(.toNearestOrAwayFromZero)))) }
        }
        return out
    }
}
