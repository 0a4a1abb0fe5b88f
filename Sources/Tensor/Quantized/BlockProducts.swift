import CKernels

/// The integer block products behind `QuantizedMatrix.multiply`, one function per format,
/// written from the block layouts of ggml's `ggml-common.h`. They share no unpacking with
/// `Dequantize` on purpose: its product is their tests' oracle.
///
/// Every kernel computes each sum in this order, so they agree bit for bit: a row's sum starts
/// at 0 and adds one contribution per block of 32 inputs, in input order. For a block k of
/// 32 inputs with activation scale dx, Σq and d·Σq = xs, and integer dot products Σv·q:
///
/// - Q4_0 (v = nibble - 8), Q5_0 (v = 5 bits - 16), Q8_0 (v = byte): (d * dx) * Σv·q
/// - Q4_1, Q5_1 (v = nibble or 5 bits): (d * dx) * Σv·q + m * xs
/// - Q4_K, Q5_K, sub-block k of its super-block with 6-bit scale s and min m:
///   (d * dx) * (s · Σv·q) - (dmin * dx) * (m · Σq)
/// - Q6_K, its two sub-blocks of 16 with 8-bit scales s₁, s₂ (v = 6 bits - 32):
///   (d * dx) * (s₁ · Σ₁v·q + s₂ · Σ₂v·q)
///
/// Integer sums are exact in any order (the largest, Q6_K's, stays below 2²⁴, so its
/// conversion to Float is exact too); the floats are multiplied and added one at a time
/// without fused multiply-adds, as written.
enum BlockProducts {
    /// Quantised activation rows, by pointer: what a kernel reads.
    struct Rows {
        var values: UnsafePointer<Int8>
        var scales: UnsafePointer<Float>
        var sums: UnsafePointer<Int32>
        var scaledSums: UnsafePointer<Float>
        var count: Int
        var blocksPerRow: Int

        /// Row r's block k: its 32 values, scale, Σq and d·Σq.
        @inline(__always) func block(_ r: Int, _ k: Int) -> (q: UnsafePointer<Int8>, d: Float, sum: Int32, scaledSum: Float) {
            let index = r * blocksPerRow + k
            return (values + index * 32, scales[index], sums[index], scaledSums[index])
        }
    }

    /// Rows a kernel takes at once; their sums live in a small buffer.
    static let blockRows = 64

    static func products(_ kernel: QuantizedMatrix.Kernel, _ format: BlockFormat, _ w: UnsafeRawPointer, rowBytes: Int, _ x: Rows,
                         outputs: Range<Int>, stride: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if kernel != .portable, let code = cFormat(format) {
            let call = kernel == .avx512VNNI ? gesal_block_products_vnni : gesal_block_products_avx2
            call(code, w, Int64(rowBytes), x.values, x.scales, x.sums, x.scaledSums, Int64(x.count), Int64(x.blocksPerRow * 32),
                 Int64(outputs.lowerBound), Int64(outputs.upperBound), Int64(stride), y, accumulate ? 1 : 0)
            return
        }
        let blockKernel: (UnsafeRawPointer, Int, Rows, Range<Int>, UnsafeMutablePointer<Float>) -> Void = switch format {
        case .q4_0: q4_0
        case .q4_1: q4_1
        case .q5_0: q5_0
        case .q5_1: q5_1
        case .q8_0: q8_0
        case .q4_K: q4_K
        case .q5_K: q5_K
        case .q6_K: q6_K
        }
        let weightBlocks = x.blocksPerRow * 32 / format.blockSize
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockRows) { sums in
            for first in Swift.stride(from: 0, to: x.count, by: blockRows) {
                let rows = first..<min(x.count, first + blockRows)
                for j in outputs {
                    let row = w + j * rowBytes
                    for r in rows.indices { sums[r - first] = 0 }
                    for b in 0..<weightBlocks {
                        blockKernel(row + b * format.blockBytes, b * format.blockSize / 32, x, rows, sums.baseAddress! - first)
                    }
                    for r in rows {
                        let out = y + r * stride + j
                        out.pointee = accumulate ? out.pointee + sums[r - first] : sums[r - first]
                    }
                }
            }
        }
    }

    /// The C kernels' name for `format`, or nil when only the portable kernel computes it.
    static func cFormat(_ format: BlockFormat) -> Int32? {
        switch format {
        case .q4_1: Int32(GESAL_Q4_1)
        case .q8_0: Int32(GESAL_Q8_0)
        case .q5_0: Int32(GESAL_Q5_0)
        case .q5_1: Int32(GESAL_Q5_1)
        default: nil
        }
    }

    // MARK: Integer dot products

    @inline(__always) static func load32(_ p: UnsafeRawPointer) -> SIMD32<Int8> { p.loadUnaligned(as: SIMD32<Int8>.self) }

    /// Eight byte pairs widened to 16 bits and multiplied (no product of two bytes leaves 16
    /// bits), then adjacent products added into 32-bit lanes: the shape LLVM turns into
    /// SSE2's `pmaddwd`. Wider vectors in one expression spill registers on the x86-64
    /// baseline and run many times slower.
    @inline(__always) static func pairSums(_ a: SIMD8<Int8>, _ b: SIMD8<Int8>) -> SIMD4<Int32> {
        let products = SIMD8<Int16>(truncatingIfNeeded: a) &* SIMD8<Int16>(truncatingIfNeeded: b)
        return SIMD4<Int32>(truncatingIfNeeded: products.evenHalf) &+ SIMD4<Int32>(truncatingIfNeeded: products.oddHalf)
    }

    @inline(__always) static func dot(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> Int32 {
        (pairSums(a.lowHalf, b.lowHalf) &+ pairSums(a.highHalf, b.highHalf)).wrappedSum()
    }

    @inline(__always) static func dot(_ a: SIMD32<Int8>, _ b: SIMD32<Int8>) -> Int32 {
        let low = pairSums(a.lowHalf.lowHalf, b.lowHalf.lowHalf) &+ pairSums(a.lowHalf.highHalf, b.lowHalf.highHalf)
        let high = pairSums(a.highHalf.lowHalf, b.highHalf.lowHalf) &+ pairSums(a.highHalf.highHalf, b.highHalf.highHalf)
        return (low &+ high).wrappedSum()
    }

    /// 16 bytes of nibbles: the low nibbles are values 0-15, the high ones 16-31.
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer) -> SIMD32<Int8> {
        let raw = p.loadUnaligned(as: SIMD16<UInt8>.self)
        return SIMD32<Int8>(lowHalf: SIMD16<Int8>(truncatingIfNeeded: raw & 0x0F), highHalf: SIMD16<Int8>(truncatingIfNeeded: raw &>> 4))
    }

    /// Fifth bits: bit i of `bits` is value i's, as 16 (or 0).
    @inline(__always) static func fifthBits(_ bits: UInt32) -> SIMD32<Int8> {
        var out = SIMD32<Int8>()
        for i in 0..<32 { out[i] = Int8(truncatingIfNeeded: (bits >> UInt32(i)) & 1) &<< 4 }
        return out
    }

    @inline(__always) static func half(_ b: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }

    // MARK: 32-value blocks: block `k` of the weights meets block `k` of the activations

    static func q4_0(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), v = nibbles(b + 2) &- 8
        for r in rows {
            let a = x.block(r, k)
            sums[r] += (d * a.d) * Float(dot(v, load32(a.q)))
        }
    }

    static func q4_1(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2), v = nibbles(b + 4)
        for r in rows {
            let a = x.block(r, k)
            sums[r] += (d * a.d) * Float(dot(v, load32(a.q))) + m * a.scaledSum
        }
    }

    static func q5_0(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), bits = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let v = (nibbles(b + 6) | fifthBits(bits)) &- 16
        for r in rows {
            let a = x.block(r, k)
            sums[r] += (d * a.d) * Float(dot(v, load32(a.q)))
        }
    }

    static func q5_1(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2), bits = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let v = nibbles(b + 8) | fifthBits(bits)
        for r in rows {
            let a = x.block(r, k)
            sums[r] += (d * a.d) * Float(dot(v, load32(a.q))) + m * a.scaledSum
        }
    }

    static func q8_0(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), v = load32(b + 2)
        for r in rows {
            let a = x.block(r, k)
            sums[r] += (d * a.d) * Float(dot(v, load32(a.q)))
        }
    }

    // MARK: 256-value super-blocks: sub-block i meets activation block 8·(super-block) + i

    /// Sub-block j's 6-bit scale and min, packed into 12 bytes: sub-blocks 0-3 in the low 6
    /// bits of bytes j and j+4; 4-7 in a nibble of byte j+4 and the top 2 bits of bytes j-4 and j.
    @inline(__always) static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (scale: Int32, min: Int32) {
        func byte(_ i: Int) -> Int32 { Int32(s.load(fromByteOffset: i, as: UInt8.self)) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        return ((byte(j + 4) & 0x0F) | (byte(j - 4) >> 6) << 4, (byte(j + 4) >> 4) | (byte(j) >> 6) << 4)
    }

    /// d, dmin, 12 bytes of scales, then 128 bytes of nibbles: each 32 bytes hold sub-blocks
    /// 2c (low nibbles) and 2c+1 (high); Q5_K puts 32 bytes of fifth bits before them, bit i of
    /// byte l belonging to value l of sub-block i.
    @inline(__always) static func kQuant(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>, fifth: Bool) {
        let d = half(b, 0), dmin = half(b, 2)
        let qs = b + (fifth ? 48 : 16)
        var high = SIMD32<UInt8>()
        if fifth { high = (b + 16).loadUnaligned(as: SIMD32<UInt8>.self) }
        for sub in 0..<8 {
            let (scale, min) = scaleMin(b + 4, sub)
            let raw = (qs + 32 * (sub / 2)).loadUnaligned(as: SIMD32<UInt8>.self)
            var v = SIMD32<Int8>(truncatingIfNeeded: sub % 2 == 0 ? raw & 0x0F : raw &>> 4)
            if fifth { v |= SIMD32<Int8>(truncatingIfNeeded: ((high &>> UInt8(sub)) & 1) &<< 4) }
            for r in rows {
                let a = x.block(r, k + sub)
                sums[r] += (d * a.d) * Float(scale * dot(v, load32(a.q))) - (dmin * a.d) * Float(min * a.sum)
            }
        }
    }

    static func q4_K(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        kQuant(b, k, x, rows, sums, fifth: false)
    }

    static func q5_K(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        kQuant(b, k, x, rows, sums, fifth: true)
    }

    /// 128 bytes of low nibbles, 64 of 2-bit highs, 16 signed scales, d last. Half h holds
    /// values 128h...: value l + 32c (c < 4) takes the low (c < 2) or high nibble of low byte
    /// l + 32·(c mod 2) and bits 2c, 2c+1 of high byte l; each 16 values share a scale.
    static func q6_K(_ b: UnsafeRawPointer, _ k: Int, _ x: Rows, _ rows: Range<Int>, _ sums: UnsafeMutablePointer<Float>) {
        let d = half(b, 208)
        for h in 0..<2 {
            let ql = b + 64 * h, qh = (b + 128 + 32 * h).loadUnaligned(as: SIMD32<UInt8>.self), scales = b + 192 + 8 * h
            for c in 0..<4 {
                let low = (ql + 32 * (c % 2)).loadUnaligned(as: SIMD32<UInt8>.self)
                let nibble = c < 2 ? low & 0x0F : low &>> 4
                let v = SIMD32<Int8>(truncatingIfNeeded: nibble | ((qh &>> UInt8(2 * c)) & 3) &<< 4) &- 32
                let s1 = Int32(scales.load(fromByteOffset: 2 * c, as: Int8.self)), s2 = Int32(scales.load(fromByteOffset: 2 * c + 1, as: Int8.self))
                for r in rows {
                    let a = x.block(r, k + 4 * h + c)
                    let q = load32(a.q)
                    sums[r] += (d * a.d) * Float(s1 * dot(v.lowHalf, q.lowHalf) + s2 * dot(v.highHalf, q.highHalf))
                }
            }
        }
    }
}
