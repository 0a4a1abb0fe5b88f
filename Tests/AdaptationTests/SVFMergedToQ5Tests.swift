import Adaptation
import Models
import Tensor
import TestSupport
import Testing

/// `.svfQ5` stores: an SVF-merged block matrix is re-quantised to Q5_0 instead of Q8_0, a LoRA
/// alone still runs beside the blocks (docs/architecture.md, departure 39).
@Suite struct SVFMergedToQ5Tests {
    static let site = LinearSite(layer: 1, kind: .gate)

    /// The site's SVD and a learned-looking z: 1 plus a spread of `scale`, fixed by a seed.
    static func svf(_ model: LlamaModel, scale: Float) throws -> (AdapterSet, [LinearSite: SVFBasis]) {
        let (outputs, inputs) = model.shape(site.kind)
        let basis = try SVFBasis(weight: model.denseWeights.layers[site.layer][site.kind].floats, outputs: outputs, inputs: inputs)
        var generator = SeededRandom(seed: 7)
        let z = (0..<basis.rank).map { _ in 1 + scale * Float.random(in: -1.7...1.7, using: &generator) }
        return (AdapterSet(svf: [site: z]), [site: basis])
    }

    /// The site's matrix in `merged` as merged blocks; records an issue when it is not.
    static func mergedBlocks(_ merged: LlamaModel) -> QuantizedMatrix? {
        guard case .blocks(let blocks) = merged.weights.layers[site.layer][site.kind] else {
            Issue.record("the adapted matrix is \(merged.weights.layers[site.layer][site.kind]), not merged blocks")
            return nil
        }
        return blocks
    }

    @Test func anSVFMergeDecodesFromQ5_0BlocksOfTheFloat32Merge() throws {
        let model = TinyLlama.quantised(storage: .svfQ5)
        let (adapters, bases) = try Self.svf(model, scale: 0.05)
        let merged = model.merging(adapters, bases: bases)
        guard let blocks = Self.mergedBlocks(merged) else { return }
        #expect(blocks.format == .q5_0)
        #expect(blocks.bytes == Quantize.bytes(merged.denseWeights.layers[1].gate.floats, as: .q5_0), "the Float32 merge training reads, in Q5_0")
    }

    @Test func theOtherStoragesStillReQuantiseAnSVFMergeToQ8_0() throws {
        for storage in [WeightStorage.blocks, .loraBeside] {
            let model = TinyLlama.quantised(storage: storage)
            let (adapters, bases) = try Self.svf(model, scale: 0.05)
            #expect(model.merging(adapters, bases: bases).weights.layers[1].gate.format == .q8_0, "\(storage)")
        }
    }

    @Test func aLoRAAloneStillRunsBesideTheBlocks() {
        let model = TinyLlama.quantised(storage: .svfQ5)
        let merged = model.merging(AdapterSet(lora: [LoRABesideBlocksTests.site: LoRAFixture.lora(model)]), bases: [:])
        guard case .blocksBeside = merged.weights.layers[1].q else {
            Issue.record("the adapted matrix is \(merged.weights.layers[1].q), not blocks with a term beside them")
            return
        }
    }

    /// Why Q5_0 and not a grid that contains the base's: re-quantising W' = W + Δ to Q5_0 moves
    /// the decoded weights by Δ on average (its grid is unrelated to the base's, so rounding
    /// dithers), where a grid holding W's values exactly rounds a small Δ back to W. Measured
    /// as the projection <Q(W') - W, Δ> / |Δ|², 1 when the change is kept whole.
    @Test(arguments: [Float(0.02), 0.05, 0.2]) func theLearnedChangeIsKeptOnAverage(scale: Float) throws {
        let model = TinyLlama.quantised(storage: .svfQ5)
        let (adapters, bases) = try Self.svf(model, scale: scale)
        let merged = model.merging(adapters, bases: bases)
        let base = model.denseWeights.layers[1].gate.floats
        let learned = merged.denseWeights.layers[1].gate.floats
        let decoded = merged.weights.layers[1].gate.floats
        var (along, size) = (Double(0), Double(0))
        for i in base.indices {
            let delta = Double(learned[i] - base[i])
            along += Double(decoded[i] - base[i]) * delta
            size += delta * delta
        }
        #expect(abs(along / size - 1) < 0.15, "kept \(along / size) of the learned change")
    }
}
