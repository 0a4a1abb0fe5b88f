import Models
import Tensor

/// One linear layer run with its adapters, keeping what its backward pass needs.
///
/// Forward: y = x · Wᵀ, or with an SVF basis y = ((x · V) ⊙ σ') · Uᵀ (σ' from z; the same
/// matrix as U diag(σ') Vᵀ without forming it), plus (α/r) · (x · Aᵀ) · Bᵀ for a LoRA.
/// Backward, next to it: dx = dy · W (or ((dy · U) ⊙ σ') · Vᵀ), dσ'_i = Σ_t (dy · U)_ti (x · V)_ti,
/// dB = (α/r) · dyᵀ · (x · Aᵀ), dA = (α/r) · (dy · B)ᵀ · x, dx += (α/r) · (dy · B) · A.
/// The forward's products with W, V and U run on `products`; the rest on OpenBLAS.
struct LinearTape {
    let site: LinearSite
    let rows: Int, inputs: Int, outputs: Int
    let input: [Float]
    let weight: [Float]
    let basis: SVFBasis?, z: [Float]?, scaled: [Float]?
    let lora: LoRA?
    let products: TrainingProducts
    /// x · V (SVF) and x · Aᵀ (LoRA), kept from the forward pass.
    var projected: [Float] = [], loraInput: [Float] = []

    init(site: LinearSite, input: [Float], rows: Int, inputs: Int, outputs: Int, weight: [Float],
         basis: SVFBasis?, z: [Float]?, composition: SVFComposition, lora: LoRA?, products: TrainingProducts) {
        self.site = site
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
        self.input = input
        self.weight = weight
        self.basis = z == nil ? nil : basis
        self.z = z
        self.scaled = z.flatMap { z in basis.map { composition.scaled($0.sigma, z) } }
        self.lora = lora
        self.products = products
    }

    mutating func forward() -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputs)
        if let basis, let scaled {
            var xv = [Float](repeating: 0, count: rows * basis.rank)
            products.multiplyBT(m: rows, n: basis.rank, k: inputs, a: input, b: basis.vt, c: &xv)
            projected = xv
            for t in 0..<rows { for i in 0..<basis.rank { xv[t * basis.rank + i] *= scaled[i] } }
            products.multiplyBT(m: rows, n: outputs, k: basis.rank, a: xv, b: basis.u, c: &y)
        } else {
            products.multiplyBT(m: rows, n: outputs, k: inputs, a: input, b: weight, c: &y)
        }
        if let lora {
            var xa = [Float](repeating: 0, count: rows * lora.rank)
            BLAS.matmulBT(m: rows, n: lora.rank, k: inputs, a: input, b: lora.a, c: &xa)
            BLAS.matmulBT(m: rows, n: outputs, k: lora.rank, alpha: lora.scale, a: xa, b: lora.b, beta: 1, c: &y)
            loraInput = xa
        }
        return y
    }

    /// Returns dx and adds this layer's adapter gradients to `gradients`.
    func backward(_ dy: [Float], composition: SVFComposition, gradients: inout AdapterGradients) -> [Float] {
        var dx = [Float](repeating: 0, count: rows * inputs)
        if let basis, let scaled, let z {
            var dyu = [Float](repeating: 0, count: rows * basis.rank)
            BLAS.matmul(m: rows, n: basis.rank, k: outputs, a: dy, b: basis.u, c: &dyu)
            var dScaled = [Float](repeating: 0, count: basis.rank)
            for t in 0..<rows {
                for i in 0..<basis.rank {
                    dScaled[i] += dyu[t * basis.rank + i] * projected[t * basis.rank + i]
                    dyu[t * basis.rank + i] *= scaled[i]
                }
            }
            BLAS.matmul(m: rows, n: inputs, k: basis.rank, a: dyu, b: basis.vt, c: &dx)
            let dz = composition.backward(basis.sigma, z, gradient: dScaled)
            gradients.svf[site] = zip(gradients.svf[site] ?? [Float](repeating: 0, count: dz.count), dz).map(+)
        } else {
            BLAS.matmul(m: rows, n: inputs, k: outputs, a: dy, b: weight, c: &dx)
        }
        if let lora {
            var dyb = [Float](repeating: 0, count: rows * lora.rank)
            BLAS.matmul(m: rows, n: lora.rank, k: outputs, a: dy, b: lora.b, c: &dyb)
            var db = gradients.loraB[site] ?? [Float](repeating: 0, count: outputs * lora.rank)
            BLAS.matmulAT(m: outputs, n: lora.rank, k: rows, alpha: lora.scale, a: dy, b: loraInput, beta: 1, c: &db)
            var da = gradients.loraA[site] ?? [Float](repeating: 0, count: lora.rank * inputs)
            BLAS.matmulAT(m: lora.rank, n: inputs, k: rows, alpha: lora.scale, a: dyb, b: input, beta: 1, c: &da)
            gradients.loraB[site] = db
            gradients.loraA[site] = da
            BLAS.matmul(m: rows, n: inputs, k: lora.rank, alpha: lora.scale, a: dyb, b: lora.a, beta: 1, c: &dx)
        }
        return dx
    }
}
