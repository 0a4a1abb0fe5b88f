import Foundation
import Testing
@testable import Adaptation
import Models
import TestSupport

@Suite struct OptimizerTests {
    @Test func sgdAndAdamFollowTheirFormulas() {
        let site = LinearSite(layer: 0, kind: .q)
        var adapters = AdapterSet(svf: [site: [1, 2]])
        var gradients = AdapterGradients()
        gradients.svf[site] = [0.5, -1]
        var state = OptimizerState()
        Optimizer.step(&adapters, gradients: gradients, state: &state, config: OptimizerConfig(kind: .sgd, learningRate: 0.1, clipNorm: nil))
        #expect(adapters.svf[site] == [1 - 0.05, 2 + 0.1])

        // Adam's first step moves every coordinate by about the learning rate, against the gradient's sign.
        var adam = AdapterSet(svf: [site: [1, 2]])
        var adamState = OptimizerState()
        Optimizer.step(&adam, gradients: gradients, state: &adamState, config: OptimizerConfig(kind: .adam, learningRate: 0.01, clipNorm: nil))
        #expect(abs(adam.svf[site]![0] - 0.99) < 1e-5 && abs(adam.svf[site]![1] - 2.01) < 1e-5)
        #expect(adamState.step == 1 && adamState.first["blk.0.q.svf_z"] != nil)
    }

    @Test func clippingBoundsTheGlobalNorm() {
        let site = LinearSite(layer: 0, kind: .q)
        var adapters = AdapterSet(svf: [site: [0, 0]])
        var gradients = AdapterGradients()
        gradients.svf[site] = [30, 40]  // norm 50
        var state = OptimizerState()
        let norm = Optimizer.step(&adapters, gradients: gradients, state: &state, config: OptimizerConfig(kind: .sgd, learningRate: 1, clipNorm: 5))
        #expect(norm == 50)
        #expect(adapters.svf[site] == [-3, -4], "scaled to norm 5")
    }

    @Test func adamMinimisesAQuadratic() {
        let site = LinearSite(layer: 0, kind: .up)
        var adapters = AdapterSet(svf: [site: [5, -3, 0.5]])
        var state = OptimizerState()
        for _ in 0..<500 {
            var gradients = AdapterGradients()
            gradients.svf[site] = adapters.svf[site]!.map { 2 * ($0 - 1) }  // minimum at 1
            Optimizer.step(&adapters, gradients: gradients, state: &state, config: OptimizerConfig(kind: .adamW, learningRate: 0.05, clipNorm: nil))
        }
        #expect(adapters.svf[site]!.allSatisfy { abs($0 - 1) < 0.05 }, "\(adapters.svf[site]!)")
    }
}

@Suite struct AdapterCodecTests {
    @Test func adaptersAndOptimizerStateRoundTripBitForBit() throws {
        let model = TinyLlama.make()
        var adapters = AdapterSet(composition: .transformerSquared)
        adapters.lora[LinearSite(layer: 1, kind: .v)] = LoRA(rank: 2, alpha: 4, inputs: 16, outputs: 8, seed: 3)
        adapters.svf[LinearSite(layer: 0, kind: .down)] = [0.5, -1.25, .pi]
        let bytes = AdapterCodec.encode(adapters)
        #expect(try AdapterCodec.decodeAdapters(bytes) == adapters)
        #expect(AdapterCodec.encode(try AdapterCodec.decodeAdapters(bytes)) == bytes)

        var state = OptimizerState()
        var gradients = AdapterGradients()
        gradients.svf[LinearSite(layer: 0, kind: .down)] = [1, 2, 3]
        Optimizer.step(&adapters, gradients: gradients, state: &state, config: OptimizerConfig())
        #expect(try AdapterCodec.decodeOptimizer(AdapterCodec.encode(state)) == state)
        _ = model
    }

    @Test func damagedBlobsAreRefusedWithTheOffset() {
        var adapters = AdapterSet()
        adapters.svf[LinearSite(layer: 2, kind: .gate)] = [1, 2, 3, 4]
        let bytes = AdapterCodec.encode(adapters)
        for cut in [0, 5, 12, bytes.count - 1] {
            #expect(throws: AdapterCodec.DecodeError.self) { _ = try AdapterCodec.decodeAdapters(Array(bytes[0..<cut])) }
        }
        var huge = bytes
        huge[bytes.count - 20] = 0xFF  // the z count's top byte
        #expect(throws: AdapterCodec.DecodeError.self) { _ = try AdapterCodec.decodeAdapters(huge) }
        #expect(throws: AdapterCodec.DecodeError.self) { _ = try AdapterCodec.decodeAdapters(bytes + [0]) }
        #expect(throws: AdapterCodec.DecodeError.self) { _ = try AdapterCodec.decodeOptimizer(bytes) }
    }

    /// A NaN or an infinity would merge into weights no kernel can quantise; the blob is
    /// refused, naming the site.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func aNonFiniteValueIsRefusedNamingTheSite(value: Float) {
        var svf = AdapterSet()
        svf.svf[LinearSite(layer: 2, kind: .gate)] = [1, value, 3]
        var lora = AdapterSet()
        var adapter = LoRA(rank: 1, alpha: 2, inputs: 2, outputs: 2, seed: 1)
        adapter.b = [0, value]
        lora.lora[LinearSite(layer: 4, kind: .q)] = adapter
        for (adapters, site) in [(svf, "blk.2.gate"), (lora, "blk.4.q")] {
            #expect { _ = try AdapterCodec.decodeAdapters(AdapterCodec.encode(adapters)) } throws: { error in
                (error as? AdapterCodec.DecodeError).map { $0.reason.contains(site) && $0.reason.contains("not a finite number") } ?? false
            }
        }
    }
}

@Suite struct TinyLearningTests {
    static let model = TinyLlama.make(seed: 7)
    static let prompt = [3, 17, 5, 29, 11]
    static let answer = [33, 4]

    private func logProbability(_ adapters: AdapterSet, bases: [LinearSite: SVFBasis]) -> Float {
        TrainingPass(model: Self.model, bases: bases, adapters: adapters)
            .run(tokens: Self.prompt + Self.answer, scored: Objective.supervised(promptLength: Self.prompt.count, response: Self.answer), backward: false)
            .logProbabilities.reduce(0, +)
    }

    /// Runs `steps` SFT steps and returns the adapters.
    private func train(_ start: AdapterSet, bases: [LinearSite: SVFBasis], steps: Int, learningRate: Float) -> AdapterSet {
        var adapters = start
        var state = OptimizerState()
        let scored = Objective.supervised(promptLength: Self.prompt.count, response: Self.answer)
        for _ in 0..<steps {
            let result = TrainingPass(model: Self.model, bases: bases, adapters: adapters).run(tokens: Self.prompt + Self.answer, scored: scored)
            Optimizer.step(&adapters, gradients: result.gradients, state: &state, config: OptimizerConfig(learningRate: learningRate))
        }
        return adapters
    }

    @Test func loraAndSVFRaiseTheTargetsProbabilityAndRepeatBitForBit() throws {
        var lora = AdapterSet()
        for kind in LinearKind.allCases {
            let (outputs, inputs) = Self.model.shape(kind)
            lora.lora[LinearSite(layer: 1, kind: kind)] = LoRA(rank: 2, alpha: 4, inputs: inputs, outputs: outputs, seed: 1)
        }
        var svf = AdapterSet()
        var bases: [LinearSite: SVFBasis] = [:]
        for layer in 0..<2 {
            for kind in [LinearKind.gate, .up, .down] {
                let site = LinearSite(layer: layer, kind: kind), (outputs, inputs) = Self.model.shape(kind)
                bases[site] = try SVFBasis(weight: Self.model.weights.layers[layer][kind].floats, outputs: outputs, inputs: inputs)
                svf.svf[site] = SVFComposition.gesal.identity(rank: bases[site]!.rank)
            }
        }
        for (name, start, learningRate) in [("LoRA", lora, Float(0.05)), ("SVF", svf, Float(0.05))] {
            let before = logProbability(start, bases: bases)
            let trained = train(start, bases: bases, steps: 15, learningRate: learningRate)
            let after = logProbability(trained, bases: bases)
            #expect(after > before + 1, "\(name): log p of the answer \(before) -> \(after)")
            // Determinism: the same steps give the same bytes.
            #expect(AdapterCodec.encode(train(start, bases: bases, steps: 15, learningRate: learningRate)) == AdapterCodec.encode(trained), "\(name)")
            // Decoding with the merged adapters scores the answer the same way.
            let merged = Self.model.merging(trained, bases: bases)
            var cache = merged.makeCache(capacity: 16)
            let logits = merged.forward(Self.prompt, cache: &cache)
            let maximum = logits.max()!
            let expected = logits[Self.answer[0]] - maximum - log(logits.reduce(0) { $0 + exp($1 - maximum) })
            let first = TrainingPass(model: Self.model, bases: bases, adapters: trained)
                .run(tokens: Self.prompt + Self.answer, scored: [ScoredToken(position: Self.prompt.count - 1, token: Self.answer[0], weight: 1)], backward: false)
                .logProbabilities[0]
            #expect(abs(first - expected) < 1e-3, "\(name): merged \(expected) vs factored \(first)")
        }
    }

    @Test func reinforceWeightsTheResponseOnly() {
        let scored = Objective.reinforce(promptLength: 4, response: [7, 8], reward: -2)
        #expect(scored == [ScoredToken(position: 3, token: 7, weight: -2), ScoredToken(position: 4, token: 8, weight: -2)],
                "-2 doubled, over 2 tokens: weight -2 each")
        #expect(Objective.reinforce(promptLength: 4, response: [7, 8], reward: 1).map(\.weight) == [0.5, 0.5])
    }
}

@Suite struct MergedModelTests {
    /// A merged model holds new arrays only for the adapted matrices; every other weight is
    /// the base model's own storage, so switching adapter sets never copies the base.
    @Test func mergingSharesEveryUnadaptedArrayWithTheBase() {
        let model = TinyLlama.make()
        let site = LinearSite(layer: 1, kind: .gate), (outputs, inputs) = model.shape(.gate)
        var lora = LoRA(rank: 2, alpha: 4, inputs: inputs, outputs: outputs, seed: 1)
        lora.b = lora.b.map { _ in 0.1 }
        let merged = model.merging(AdapterSet(lora: [site: lora]), bases: [:])
        func address(_ array: [Float]) -> UnsafeRawPointer? { array.withUnsafeBytes { $0.baseAddress } }
        #expect(address(merged.weights.tokenEmbedding.floats) == address(model.weights.tokenEmbedding.floats))
        for l in 0..<model.config.layers {
            for kind in LinearKind.allCases {
                let shared = address(merged.weights.layers[l][kind].floats) == address(model.weights.layers[l][kind].floats)
                #expect(shared == (LinearSite(layer: l, kind: kind) != site), "blk.\(l).\(kind)")
            }
        }
        #expect(merged.weights.layers[1].gate.floats != model.weights.layers[1].gate.floats)
        #expect(model.merging(AdapterSet(), bases: [:]) === model, "no adapters: the base itself")
    }
}

/// A LoRA on a quantised matrix: beside the blocks for `.loraBeside` stores, merged and
/// re-quantised to Q8_0 for `.blocks` ones (whose recorded answers were computed that way).
@Suite struct LoRABesideBlocksTests {
    static let site = LinearSite(layer: 1, kind: .q)

    @Test func aLoRABesideTheBlocksKeepsTheirBytesAndItsFactors() {
        let model = TinyLlama.quantised(storage: .loraBeside)
        let lora = LoRAFixture.lora(model)
        let merged = model.merging(AdapterSet(lora: [Self.site: lora]), bases: [:])
        guard case .blocksBeside(let blocks, let terms) = merged.weights.layers[1].q, case .blocks(let base) = model.weights.layers[1].q else {
            Issue.record("the adapted matrix is \(merged.weights.layers[1].q), not blocks with a term beside them")
            return
        }
        #expect(blocks.bytes.withUnsafeBytes { $0.baseAddress } == base.bytes.withUnsafeBytes { $0.baseAddress }, "the base's blocks, not a copy")
        #expect(terms == [lora.term])
        #expect(merged.storage == .loraBeside)
    }

    @Test func theOlderBlocksStorageStillMergesAndReQuantisesToQ8_0() {
        let model = TinyLlama.quantised(storage: .blocks)
        let merged = model.merging(AdapterSet(lora: [Self.site: LoRAFixture.lora(model)]), bases: [:])
        guard case .blocks(let blocks) = merged.weights.layers[1].q else {
            Issue.record("the adapted matrix is \(merged.weights.layers[1].q), not merged blocks")
            return
        }
        #expect(blocks.format == .q8_0 && blocks.bytes != model.weights.layers[1].q.blocks!.bytes)
    }

    /// Training's gradients stay those of the Float32 merge whichever way the blocks decode.
    @Test func trainingReadsTheSameFloat32WeightsEitherWay() {
        let adapters = AdapterSet(lora: [Self.site: LoRAFixture.lora(TinyLlama.quantised(storage: .blocks)),
                                         LinearSite(layer: 0, kind: .v): LoRAFixture.lora(TinyLlama.quantised(storage: .blocks), kind: .v)])
        let beside = TinyLlama.quantised(storage: .loraBeside).merging(adapters, bases: [:]).denseWeights
        let merged = TinyLlama.quantised(storage: .blocks).merging(adapters, bases: [:]).denseWeights
        for l in 0..<2 {
            for kind in LinearKind.allCases {
                #expect(beside.layers[l][kind].floats == merged.layers[l][kind].floats, "blk.\(l).\(kind)")
            }
        }
    }

    /// A LoRA merged onto a model that already has one beside the same matrix adds a second term.
    @Test func aSecondLoRAOnTheSameMatrixAddsASecondTerm() {
        let model = TinyLlama.quantised(storage: .loraBeside)
        let first = LoRAFixture.lora(model)
        var second = LoRAFixture.lora(model)
        second.alpha = -3
        let twice = model.merging(AdapterSet(lora: [Self.site: first]), bases: [:]).merging(AdapterSet(lora: [Self.site: second]), bases: [:])
        guard case .blocksBeside(_, let terms) = twice.weights.layers[1].q else {
            Issue.record("the adapted matrix is \(twice.weights.layers[1].q)")
            return
        }
        #expect(terms == [first.term, second.term])
    }

    /// With a LoRA beside the blocks, sequences decode to the same bits alone and together.
    @Test func aSequenceDecodesTheSameAloneAndInABatch() {
        let model = TinyLlama.quantised(storage: .loraBeside)
        let merged = model.merging(AdapterSet(lora: [Self.site: LoRAFixture.lora(model)]), bases: [:])
        let prompts = [[1, 5, 9], [2, 7]]
        var together = prompts.map { _ in merged.makeCache(capacity: 8) }
        let batch = merged.step(prompts, caches: &together)
        for (i, prompt) in prompts.enumerated() {
            var alone = merged.makeCache(capacity: 8)
            #expect(merged.forward(prompt, cache: &alone) == batch[i], "sequence \(i)")
        }
        var base = model.makeCache(capacity: 8)
        #expect(model.forward(prompts[0], cache: &base) != batch[0], "the LoRA changes the logits")
    }
}

