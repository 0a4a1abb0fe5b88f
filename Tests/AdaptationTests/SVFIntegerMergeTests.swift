import Adaptation
import Models
import Tensor
import TestSupport
import Testing

/// `.svfInt16` stores: an SVF-merged block matrix is the Q8_0 of the integer merge
/// (`IntegerMerge`), training still reads the Float32 one (docs/architecture.md, departure 43).
@Suite struct SVFIntegerMergeTests {
    @Test func anSVFMergeDecodesFromQ8_0BlocksOfTheIntegerMerge() throws {
        let model = TinyLlama.quantised(storage: .svfInt16)
        let (adapters, bases) = try SVFMergedToQ5Tests.svf(model, scale: 0.05)
        guard let blocks = SVFMergedToQ5Tests.mergedBlocks(model.merging(adapters, bases: bases)) else { return }
        let basis = try #require(bases[SVFMergedToQ5Tests.site])
        let integer = basis.integerMerge(scaledBy: adapters.composition.scaled(basis.sigma, adapters.svf[SVFMergedToQ5Tests.site]!))
        #expect(blocks.format == .q8_0)
        #expect(blocks.bytes == Quantize.bytes(integer, as: .q8_0))
    }

    @Test func trainingReadsTheFloat32Merge() throws {
        let model = TinyLlama.quantised(storage: .svfInt16)
        let (adapters, bases) = try SVFMergedToQ5Tests.svf(model, scale: 0.05)
        let float = TinyLlama.quantised(storage: .loraBeside).merging(adapters, bases: bases)
        #expect(model.merging(adapters, bases: bases).denseWeights.layers[1].gate.floats == float.denseWeights.layers[1].gate.floats)
    }

    @Test func itDiffersFromTheFloat32MergeOnlyInTheLastLevels() throws {
        // Against the float merge's Q8_0: the same blocks but for a few levels one apart.
        let (adapters, bases) = try SVFMergedToQ5Tests.svf(TinyLlama.quantised(storage: .svfInt16), scale: 0.05)
        let integer = TinyLlama.quantised(storage: .svfInt16).merging(adapters, bases: bases).weights.layers[1].gate.floats
        let float = TinyLlama.quantised(storage: .loraBeside).merging(adapters, bases: bases).weights.layers[1].gate.floats
        let largest = float.map(abs).max()!
        #expect(zip(integer, float).allSatisfy { abs($0 - $1) <= largest / 127 + 1e-6 })
        #expect(integer != float, "the integer merge rounds differently somewhere")
    }

    @Test func aStoreNamesItsStorage() {
        #expect(WeightStorage(rawValue: "blocks-svf-int16") == .svfInt16)
        #expect(WeightStorage.svfInt16.keepsLoRABeside && WeightStorage.svfInt16.mergesInIntegers)
        #expect(!WeightStorage.loraBeside.mergesInIntegers)
    }
}
