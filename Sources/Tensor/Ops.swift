import Glibc

/// The few element-wise and row-wise operations the models need, on dense row-major buffers.
public enum Ops {
    /// Cosine similarity of two vectors of the same length; 0 when either is zero.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different lengths")
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in a.indices {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot())
    }

    /// RMSNorm of each row: x / sqrt(mean(x²) + eps) · weight.
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
                               eps: Float, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, dst = out + r * width
            var sum: Float = 0
            for i in 0..<width { sum += row[i] * row[i] }
            let scale = 1 / (sum / Float(width) + eps).squareRoot()
            for i in 0..<width { dst[i] = row[i] * scale * weight[i] }
        }
    }

    /// Backward of `rmsNorm`: with r = 1/√(mean(x²) + eps) and a = dy ⊙ weight,
    /// dx = r · a - x · r³ · (a · x) / width. Adds into `dx` when `accumulate`.
    public static func rmsNormBackward(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>, eps: Float,
                                       dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for r in 0..<rows {
            let row = x + r * width, g = dy + r * width, out = dx + r * width
            var sum: Float = 0, dot: Float = 0
            for i in 0..<width {
                sum += row[i] * row[i]
                dot += g[i] * weight[i] * row[i]
            }
            let scale = 1 / (sum / Float(width) + eps).squareRoot()
            let correction = scale * scale * scale * dot / Float(width)
            for i in 0..<width {
                let value = scale * g[i] * weight[i] - row[i] * correction
                out[i] = accumulate ? out[i] + value : value
            }
        }
    }

    /// LayerNorm of each row: (x - mean) / sqrt(var + eps) · gamma + beta.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        for r in 0..<rows {
            let row = x + r * width
            var mean: Float = 0
            for i in 0..<width { mean += row[i] }
            mean /= Float(width)
            var variance: Float = 0
            for i in 0..<width { variance += (row[i] - mean) * (row[i] - mean) }
            let scale = 1 / (variance / Float(width) + eps).squareRoot()
            for i in 0..<width { row[i] = (row[i] - mean) * scale * gamma[i] + beta[i] }
        }
    }

    /// Softmax in place over `count` values (max-subtracted).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - maximum)
            sum += x[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// Backward of `softmax` in place: dp ← p ⊙ (dp - Σ dp ⊙ p).
    public static func softmaxBackward(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, count: Int) {
        var dot: Float = 0
        for i in 0..<count { dot += dp[i] * p[i] }
        for i in 0..<count { dp[i] = p[i] * (dp[i] - dot) }
    }

    /// SwiGLU: gate ← silu(gate) · up. Many rows' worth (a batch of sequences, a prompt) is
    /// split across `RowProducts.threads` threads: an `expf` per value, 4% of a 16-sequence
    /// step, ran on one core while the other waited. Each value is its own, so the split never
    /// changes a bit.
    public static func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let (gates, ups) = (UnsafeSendable(gate), UnsafeSendable(up))
        @Sendable func activate(_ run: Range<Int>) {
            for i in run {
                let g = gates.value[i]
                gates.value[i] = g / (1 + expf(-g)) * ups.value[i]
            }
        }
        // A row or two costs less than waking the other thread.
        guard count >= 4096 else { return activate(0..<count) }
        WorkerPool.shared.split(outputs: count, threads: RowProducts.threads, activate)
    }

    /// Backward of SwiGLU from the gate's and up's values before it: with s = sigmoid(g),
    /// d gate = d out · up · s · (1 + g · (1 - s)), d up = d out · g · s.
    public static func swigluBackward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                                      dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i], s = 1 / (1 + expf(-g))
            dGate[i] = dOut[i] * up[i] * s * (1 + g * (1 - s))
            dUp[i] = dOut[i] * g * s
        }
    }

    /// The exact GELU, x · Φ(x), as BERT uses it.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.70710678118654752))  // x / √2
        }
    }

    /// x += y.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// Adds `bias` to each of `rows` rows.
    public static func addRows(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, width: Int) {
        for r in 0..<rows { add(x + r * width, bias, count: width) }
    }
}
