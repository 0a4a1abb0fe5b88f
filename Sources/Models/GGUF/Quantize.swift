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
        let blocks = values.count / 32
        return [UInt8](unsafeUninitializedCapacity: blocks * 34) { out, initialized in
            values.withUnsafeBufferPointer { x in
                for b in 0..<blocks {
                    let block = x.baseAddress! + b * 32, y = out.baseAddress! + b * 34
                    var amax: Float = 0
                    for i in 0..<32 { amax = max(amax, abs(block[i])) }
                    let d = amax / 127
                    let inverse: Float = d == 0 ? 0 : 1 / d
                    let bits = Float16(d).bitPattern
                    y[0] = UInt8(bits & 0xFF)
                    y[1] = UInt8(bits >> 8)
                    for i in 0..<32 { y[2 + i] = UInt8(bitPattern: Int8((block[i] * inverse).rounded(.toNearestOrAwayFromZero))) }
                }
            }
            initialized = blocks * 34
        }
    }
}
