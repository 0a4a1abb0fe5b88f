@testable import Adaptation
import Models
@testable import Tensor
import TestSupport
import Testing

/// The SVF merge, W' = U diag(σ z) Vᵀ, against its definition computed in Double: the merge
/// no longer reads the base's values (a block matrix is not dequantised for it), so only the
/// factors may decide it.
@Suite struct SVFMergeTests {
    @Test(arguments: [WeightStorage.float32, .svfQ5]) func theMergeIsTheProductOfTheFactors(storage: WeightStorage) throws {
        let model = storage == .float32 ? TinyLlama.make(width: 32, hidden: 64) : TinyLlama.quantised(storage: storage)
        let (adapters, bases) = try SVFMergedToQ5Tests.svf(model, scale: 0.2)
        let site = SVFMergedToQ5Tests.site, basis = bases[site]!, z = adapters.svf[site]!
        let merged = model.merging(adapters, bases: bases).denseWeights.layers[site.layer][site.kind].floats
        var largest: Double = 0
        for r in 0..<basis.outputs {
            for c in 0..<basis.inputs {
                let exact = (0..<basis.rank).reduce(0.0) { sum, i in
                    sum + Double(basis.u[r * basis.rank + i]) * Double(basis.sigma[i]) * Double(z[i]) * Double(basis.vt[i * basis.inputs + c])
                }
                largest = max(largest, abs(Double(merged[r * basis.inputs + c]) - exact))
            }
        }
        #expect(largest < 1e-5, "largest difference from U diag(σz) Vᵀ: \(largest)")
    }

    /// A block model keeps only the quantised merge and makes the Float32 W' again when
    /// training asks: the same bits as the W' a Float32 model keeps from its merge (SVF does
    /// not read the base, so the two bases may differ).
    @Test func theRemadeFloat32MergeIsTheOneAFloat32ModelKeeps() throws {
        let blocks = TinyLlama.quantised(storage: .svfQ5)
        let dense = LlamaModel(config: blocks.config, weights: blocks.denseWeights, storage: .float32)
        let (adapters, bases) = try SVFMergedToQ5Tests.svf(blocks, scale: 0.2)
        let site = SVFMergedToQ5Tests.site
        let remade = blocks.merging(adapters, bases: bases).denseWeights.layers[site.layer][site.kind].floats
        let kept = dense.merging(adapters, bases: bases).weights.layers[site.layer][site.kind].floats
        #expect(remade == kept)
    }

    /// U diag(s) on several threads (rows in runs) is each value's own product, bit for bit.
    @Test(arguments: [1, 2, 3]) func scaledColumnsAreOneProductEach(threads: Int) {
        let before = RowProducts.threadCount.exchange(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        var generator = SeededRandom(seed: 11)
        let (outputs, rank) = (300, 7)
        let u = (0..<(outputs * rank)).map { _ in Float.random(in: -1...1, using: &generator) }
        let s = (0..<rank).map { _ in Float.random(in: 0...3, using: &generator) }
        let basis = SVFBasis(outputs: outputs, inputs: rank, rank: rank, u: u, sigma: s, vt: [])
        let expected = (0..<(outputs * rank)).map { u[$0] * s[$0 % rank] }
        #expect(basis.u(scaledBy: s) == expected)
    }
}
