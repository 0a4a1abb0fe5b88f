/// GGML block formats to Float32, one function per format, written from the block layouts of
/// ggml's `ggml-common.h` (see docs/model-files.md). Each block of `blockSize` values starts
/// with its scale(s) as IEEE half floats.
public enum Dequantize {
    /// Dequantises `count` values of `type` from `raw`.
    public static func floats(_ raw: UnsafeRawBufferPointer, type: GGMLType, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            into(out.baseAddress!, raw, type: type, count: count)
            initialized = count
        }
    }

    /// Dequantises into `out`, which holds `count` floats.
    public static func into(_ out: UnsafeMutablePointer<Float>, _ raw: UnsafeRawBufferPointer, type: GGMLType, count: Int) {
        let blocks = count / type.blockSize
        let base = raw.baseAddress!
        for b in 0..<blocks {
            let block = base + b * type.blockBytes
            let y = out + b * type.blockSize
            switch type {
            case .f32: y[0] = Float(bitPattern: u32(block, 0))
            case .f16: y[0] = half(block, 0)
            case .bf16: y[0] = Float(bitPattern: UInt32(u16(block, 0)) << 16)
            case .q4_0: q4_0(block, y)
            case .q4_1: q4_1(block, y)
            case .q5_0: q5_0(block, y)
            case .q5_1: q5_1(block, y)
            case .q8_0: q8_0(block, y)
            case .q4_K: q4_K(block, y)
            case .q5_K: q5_K(block, y)
            case .q6_K: q6_K(block, y)
            }
        }
    }

    // MARK: 32-value blocks

    /// d (f16), 16 bytes of nibbles: value j is (low nibble of byte j) - 8, value j+16 the high one.
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 2 + j, as: UInt8.self)
            y[j] = Float(Int(q & 0x0F) - 8) * d
            y[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    /// d, m (f16), 16 bytes of nibbles: value = nibble · d + m.
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2)
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 4 + j, as: UInt8.self)
            y[j] = Float(q & 0x0F) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    /// d (f16), 32 fifth bits (u32), 16 bytes of nibbles: value = (nibble | fifth bit << 4) - 16, times d.
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let high = u32(b, 2)
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 6 + j, as: UInt8.self)
            let low = Int(q & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
            let upper = Int(q >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(low - 16) * d
            y[j + 16] = Float(upper - 16) * d
        }
    }

    /// d, m (f16), 32 fifth bits, 16 bytes of nibbles: value = (nibble | fifth bit << 4) · d + m.
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2)
        let high = u32(b, 4)
        for j in 0..<16 {
            let q = b.load(fromByteOffset: 8 + j, as: UInt8.self)
            let low = Int(q & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
            let upper = Int(q >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
            y[j] = Float(low) * d + m
            y[j + 16] = Float(upper) * d + m
        }
    }

    /// d (f16), 32 signed bytes: value = q · d.
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<32 { y[j] = Float(b.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
    }

    // MARK: 256-value super-blocks

    /// The 6-bit scale and min of sub-block `j` (0..<8), packed into 12 bytes: sub-blocks 0-3
    /// in the low 6 bits of bytes j and j+4; 4-7 in a nibble of byte j+4 plus the top 2 bits
    /// of bytes j-4 and j.
    static func scaleMin(_ scales: UnsafeRawPointer, _ j: Int) -> (scale: Float, min: Float) {
        func byte(_ i: Int) -> UInt8 { scales.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(byte(j) & 63), Float(byte(j + 4) & 63)) }
        return (Float((byte(j + 4) & 0x0F) | (byte(j - 4) >> 6) << 4), Float((byte(j + 4) >> 4) | (byte(j) >> 6) << 4))
    }

    /// d, dmin (f16), 12 bytes of scales, 128 bytes of nibbles: 8 sub-blocks of 32, each
    /// value = d · scale · nibble - dmin · min. Each 32 bytes of nibbles hold two sub-blocks
    /// (low nibbles, then high).
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        let scales = b + 4, qs = b + 16
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(scales, 2 * chunk), (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            for l in 0..<32 {
                let q = qs.load(fromByteOffset: 32 * chunk + l, as: UInt8.self)
                y[64 * chunk + l] = d * s1 * Float(q & 0x0F) - dmin * m1
                y[64 * chunk + 32 + l] = d * s2 * Float(q >> 4) - dmin * m2
            }
        }
    }

    /// As Q4_K, with a fifth bit per value in 32 bytes of high bits: sub-block 2c takes bit
    /// 2c of high byte l, sub-block 2c+1 bit 2c+1.
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        let scales = b + 4, qh = b + 16, qs = b + 48
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(scales, 2 * chunk), (s2, m2) = scaleMin(scales, 2 * chunk + 1)
            for l in 0..<32 {
                let q = qs.load(fromByteOffset: 32 * chunk + l, as: UInt8.self)
                let h = qh.load(fromByteOffset: l, as: UInt8.self)
                let low = Int(q & 0x0F) + ((h >> UInt8(2 * chunk)) & 1 == 1 ? 16 : 0)
                let high = Int(q >> 4) + ((h >> UInt8(2 * chunk + 1)) & 1 == 1 ? 16 : 0)
                y[64 * chunk + l] = d * s1 * Float(low) - dmin * m1
                y[64 * chunk + 32 + l] = d * s2 * Float(high) - dmin * m2
            }
        }
    }

    /// 128 bytes of low nibbles, 64 bytes of 2-bit highs, 16 signed 8-bit scales, d (f16) last:
    /// 16 sub-blocks of 16, value = d · scale · ((low | high << 4) - 32). Each half of 128
    /// values uses 64 low bytes and 32 high bytes: value l+32k takes nibble (k odd: high) of
    /// low byte l + 32·(k mod 2) and bits 2k..2k+1 of high byte l.
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 208)
        for half in 0..<2 {
            let ql = b + 64 * half, qh = b + 128 + 32 * half, scales = b + 192 + 8 * half
            let out = y + 128 * half
            for l in 0..<32 {
                let h = qh.load(fromByteOffset: l, as: UInt8.self)
                let a = ql.load(fromByteOffset: l, as: UInt8.self), c = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                for k in 0..<4 {
                    let nibble = k < 2 ? (k == 0 ? a : c) & 0x0F : (k == 2 ? a : c) >> 4
                    let q = Int(nibble) | Int((h >> UInt8(2 * k)) & 3) << 4
                    let scale = Float(scales.load(fromByteOffset: l / 16 + 2 * k, as: Int8.self))
                    out[l + 32 * k] = d * scale * Float(q - 32)
                }
            }
        }
    }

    // MARK: Scalars

    @inline(__always) static func u16(_ b: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) static func u32(_ b: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// An IEEE half float.
    @inline(__always) static func half(_ b: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: u16(b, offset)))
    }
}
