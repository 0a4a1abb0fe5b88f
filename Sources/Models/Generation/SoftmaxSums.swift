/// Σ exp(x − shift) and Σ exp(x − shift)·(x − shift) over a row of logits, sixteen lanes at a
/// time. libm's `exp` on each of SmolLM2's 49,152 logits costs about as much as the token's
/// share of a batched decode step; a polynomial on SIMD lanes costs a few percent of it.
/// Lanes are summed in lane order, in Double, so the bits never depend on the machine.
enum SoftmaxSums {
    typealias Lanes = SIMD16<Float>

    static func of(_ values: [Float], shift: Float) -> (z: Double, weighted: Double) {
        var z = Lanes(), weighted = Lanes()
        values.withUnsafeBufferPointer { row in
            var i = 0
            while i + Lanes.scalarCount <= row.count {
                let x = floor(UnsafeRawPointer(row.baseAddress! + i).loadUnaligned(as: Lanes.self) - shift)
                let e = exp(x)
                z += e
                weighted += e * x
                i += Lanes.scalarCount
            }
            if i < row.count {
                // The tail: missing lanes weigh nothing.
                var x = Lanes(), present = SIMDMask<SIMD16<Int32>>()
                for lane in 0..<(row.count - i) {
                    x[lane] = row[i + lane] - shift
                    present[lane] = true
                }
                x = floor(x)
                let e = Lanes().replacing(with: exp(x), where: present)
                z += e
                weighted += e * x
            }
        }
        var totalZ = 0.0, totalWeighted = 0.0
        for lane in 0..<Lanes.scalarCount {
            totalZ += Double(z[lane])
            totalWeighted += Double(weighted[lane])
        }
        return (totalZ, totalWeighted)
    }

    /// Raises every lane to −87.3, where exp is about 1e-38 and a softmax term no longer
    /// counts (and −∞ becomes a number that weighs nothing).
    static func floor(_ x: Lanes) -> Lanes { x.replacing(with: -87.3, where: x .< -87.3) }

    /// exp(x) for −87.3 ≤ x ≤ 0 (`floor` first), relative error about 1e-7. Cody-Waite: x = n·ln 2 + r
    /// with |r| ≤ ln 2 / 2, exp(r) by its Taylor polynomial to r⁷ (Horner), times 2ⁿ built in
    /// the exponent bits. No fused multiply-add, so every machine computes the same bits.
    static func exp(_ x: Lanes) -> Lanes {
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer, which then sits in the low
        // mantissa bits.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p = Lanes(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(Lanes(repeating: magic), to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Lanes.self)
        return p * scale
    }
}
