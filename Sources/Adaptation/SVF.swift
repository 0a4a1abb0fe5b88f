import Foundation
import Synchronization
import Tensor

/// The singular value decomposition of one weight matrix, W = U · diag(sigma) · Vᵀ, that
/// singular value fine-tuning scales.
public struct SVFBasis: Sendable, Equatable {
    public let outputs: Int
    public let inputs: Int
    /// min(outputs, inputs)
    public let rank: Int
    /// outputs × rank, row-major.
    public let u: [Float]
    /// A Transformer² expert scales it beneath another set (`AdapterSet.bases(_:scaledBy:)`);
    /// U and Vᵀ, and so the kept integer factor, stay shared.
    public var sigma: [Float]
    /// rank × inputs, row-major.
    public let vt: [Float]
    /// The factor an integer merge never rescales, rounded at its first merge and kept: it
    /// was a third of an integer merge's time (departure 43).
    private let integerFactor = IntegerFactorCache()

    public init(outputs: Int, inputs: Int, rank: Int, u: [Float], sigma: [Float], vt: [Float]) {
        (self.outputs, self.inputs, self.rank, self.u, self.sigma, self.vt) = (outputs, inputs, rank, u, sigma, vt)
    }

    public static func == (a: SVFBasis, b: SVFBasis) -> Bool {
        (a.outputs, a.inputs, a.rank) == (b.outputs, b.inputs, b.rank) && a.u == b.u && a.sigma == b.sigma && a.vt == b.vt
    }

    /// U diag(s) Vᵀ from 16-bit factors (`IntegerMerge`).
    public func integerMerge(scaledBy s: [Float]) -> [Float] {
        let shape = IntegerMerge.Shape(outputs: outputs, inputs: inputs, rank: rank)
        let fixed = integerFactor.factor { IntegerMerge.fixed(u: u, vt: vt, shape: shape) }
        return IntegerMerge.product(u: u, s: s, vt: vt, shape: shape, fixed: fixed)
    }

    /// U diag(s): column i of U times s[i] (the left factor of a merge, U diag(σ') Vᵀ). Rows
    /// are shared out over the products' threads; each value is one product, on any of them.
    public func u(scaledBy s: [Float]) -> [Float] {
        precondition(s.count == rank, "one scale per singular value")
        let rank = rank
        return [Float](unsafeUninitializedCapacity: outputs * rank) { out, initialized in
            u.withUnsafeBufferPointer { u in
                s.withUnsafeBufferPointer { s in
                    let (u, s, out) = (UnsafeSendable(u.baseAddress!), UnsafeSendable(s.baseAddress!), UnsafeSendable(out.baseAddress!))
                    ParallelRuns.forEach(outputs) { rows in
                        for r in rows { for i in 0..<rank { out.value[r * rank + i] = u.value[r * rank + i] * s.value[i] } }
                    }
                }
            }
            initialized = outputs * rank
        }
    }
}

/// How a vector z scales the singular values.
public enum SVFComposition: String, Sendable, Codable, CaseIterable {
    /// GESAL: sigma' = sigma · z, with z = 1 at start.
    case gesal
    /// Transformer²: sigma' = sigma · sigmoid(z) · (Σ sigma / Σ sigma · sigmoid(z)), which keeps the
    /// singular values' total mass.
    case transformerSquared

    /// The scaled singular values.
    public func scaled(_ sigma: [Float], _ z: [Float]) -> [Float] {
        switch self {
        case .gesal:
            return zip(sigma, z).map { $0 * $1 }
        case .transformerSquared:
            let m = z.map(sigmoid)
            let total = sigma.reduce(0, +), kept = zip(sigma, m).reduce(0) { $0 + $1.0 * $1.1 }
            return zip(sigma, m).map { $0 * $1 * total / kept }
        }
    }

    /// dL/dz from dL/dsigma' (the backward of `scaled`).
    public func backward(_ sigma: [Float], _ z: [Float], gradient: [Float]) -> [Float] {
        switch self {
        case .gesal:
            return zip(sigma, gradient).map { $0 * $1 }
        case .transformerSquared:
            // s'_i = S sigma_i m_i / Q with S = Σ sigma, Q = Σ sigma_j m_j, m = sigmoid(z):
            // dL/dm_k = S sigma_k g_k / Q - (S sigma_k / Q²) Σ_i g_i sigma_i m_i.
            let m = z.map(sigmoid)
            let total = sigma.reduce(0, +), kept = zip(sigma, m).reduce(0) { $0 + $1.0 * $1.1 }
            var weighted: Float = 0
            for i in sigma.indices { weighted += gradient[i] * sigma[i] * m[i] }
            return sigma.indices.map { k in
                let dm = total * sigma[k] * gradient[k] / kept - total * sigma[k] / (kept * kept) * weighted
                return dm * m[k] * (1 - m[k])
            }
        }
    }

    /// The z that leaves the matrix unchanged.
    public func identity(rank: Int) -> [Float] {
        switch self {
        case .gesal: [Float](repeating: 1, count: rank)
        // sigmoid(z) equal everywhere keeps every singular value; any constant works.
        case .transformerSquared: [Float](repeating: 0, count: rank)
        }
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

extension SVFBasis {
    /// The SVD of a row-major `outputs × inputs` weight.
    public init(weight: [Float], outputs: Int, inputs: Int) throws {
        let (u, s, vt) = try LAPACK.svd(weight, rows: outputs, columns: inputs)
        self.init(outputs: outputs, inputs: inputs, rank: s.count, u: u, sigma: s, vt: vt)
    }
}

/// One basis's kept `IntegerMerge.Factor`, made once by whichever merge needs it first (a
/// server merges on several threads).
private final class IntegerFactorCache: Sendable {
    private let kept = Mutex<IntegerMerge.Factor?>(nil)

    func factor(_ make: () -> IntegerMerge.Factor) -> IntegerMerge.Factor {
        kept.withLock { kept in
            if let kept { return kept }
            let made = make()
            kept = made
            return made
        }
    }
}
