import Foundation

/// Rotary position embedding for a model's config: the cos/sin tables of a run of positions,
/// and the rotation (or, for the backward pass, its inverse) of every head's pairs.
public struct Rope: Sendable {
    public let config: LlamaConfig

    public init(config: LlamaConfig) {
        self.config = config
    }

    /// cos and sin of (position / scale) · base^(-2i/headDim) / factor_i for positions
    /// `start..<start+count` and pairs i, computed in double precision.
    public func tables(start: Int, count: Int) -> (cosines: [Float], sines: [Float]) {
        let half = config.headDim / 2
        var cosines = [Float](repeating: 0, count: count * half), sines = cosines
        for row in 0..<count {
            for i in 0..<half {
                let divisor = Double(config.ropeFrequencyFactors?[i] ?? 1)
                let angle = Double(start + row) / config.ropeScale * pow(config.ropeBase, -Double(2 * i) / Double(config.headDim)) / divisor
                cosines[row * half + i] = Float(cos(angle))
                sines[row * half + i] = Float(sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Rotates pair i of every head: (x[2i], x[2i+1]) in the interleaved layout, (x[i],
    /// x[i + headDim/2]) in the halves layout. `inverse` rotates back (the backward pass: the
    /// transpose of a rotation is its inverse).
    public func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, cosines: [Float], sines: [Float], inverse: Bool = false) {
        let hd = config.headDim, half = hd / 2, width = heads * hd
        let (stride, partner) = config.ropeStyle == .interleaved ? (2, 1) : (1, half)
        let sign: Float = inverse ? -1 : 1
        for row in 0..<rows {
            for head in 0..<heads {
                let base = row * width + head * hd
                for i in 0..<half {
                    let first = base + stride * i, second = first + partner
                    let a = x[first], b = x[second]
                    let cs = cosines[row * half + i], sn = sign * sines[row * half + i]
                    x[first] = a * cs - b * sn
                    x[second] = a * sn + b * cs
                }
            }
        }
    }
}
