import Foundation
import Testing
@testable import Adaptation
import Models
import Tensor

/// Finite-difference checks of the backward pass on a tiny random Llama with grouped-query
/// attention: (L(θ+h) - L(θ-h)) / 2h against the analytic gradient, for SVF z under both
/// compositions, LoRA A and B on every projection kind, and the input embeddings.
@Suite struct GradientCheckTests {
    static let model = TinyLlama.make()
    static let tokens = [3, 17, 5, 29, 11, 2, 38, 7, 21]
    static let scored = [ScoredToken(position: 3, token: 11, weight: 1), ScoredToken(position: 5, token: 38, weight: -2),
                         ScoredToken(position: 6, token: 7, weight: 0.5), ScoredToken(position: 8, token: 1, weight: 1)]

    /// The relative error ‖analytic - numeric‖ / (‖analytic‖ + ‖numeric‖) over a few coordinates.
    private func relativeError(_ analytic: [Float], _ numeric: [Float]) -> Float {
        let difference = zip(analytic, numeric).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let size = analytic.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() + numeric.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return difference / max(size, 1e-12)
    }

    private func loss(_ pass: TrainingPass, embeddings: [Float]? = nil) -> Float {
        pass.run(tokens: Self.tokens, scored: Self.scored, embeddings: embeddings, backward: false).loss
    }

    /// Central differences on `coordinates` of a parameter read and written through `set`.
    private func numeric(_ coordinates: [Int], h: Float = 2e-3, value: (Int) -> Float, loss: (Int, Float) -> Float) -> [Float] {
        coordinates.map { i in (loss(i, value(i) + h) - loss(i, value(i) - h)) / (2 * h) }
    }

    /// OpenBLAS and each row kernel this CPU runs: a store learns with any of them.
    static let products: [TrainingProducts] = [.openBLAS] + RowProducts.Kernel.available.map { .rows($0) }

    @Test(arguments: SVFComposition.allCases, products)
    func svfGradients(composition: SVFComposition, products: TrainingProducts) throws {
        let model = Self.model
        var bases: [LinearSite: SVFBasis] = [:]
        var adapters = AdapterSet(composition: composition)
        var random = RandomSource(seed: 4)
        for layer in 0..<2 {
            for kind in LinearKind.allCases {
                let site = LinearSite(layer: layer, kind: kind), (outputs, inputs) = TinyLlama.shape(model, kind)
                let basis = try SVFBasis(weight: TinyLlama.weight(model, site), outputs: outputs, inputs: inputs)
                bases[site] = basis
                adapters.svf[site] = composition.identity(rank: basis.rank).map { $0 + (Float(random.unit()) - 0.5) * 0.6 }
            }
        }
        let result = TrainingPass(model: model, bases: bases, adapters: adapters, products: products).run(tokens: Self.tokens, scored: Self.scored)
        var worst: Float = 0
        for site in bases.keys.sorted() {
            let z = adapters.svf[site]!
            let coordinates = [0, z.count / 2, z.count - 1]
            let numbers = numeric(coordinates, value: { z[$0] }) { i, v in
                var changed = adapters
                changed.svf[site]![i] = v
                return loss(TrainingPass(model: model, bases: bases, adapters: changed, products: products))
            }
            let error = relativeError(coordinates.map { result.gradients.svf[site]![$0] }, numbers)
            worst = max(worst, error)
            #expect(error < 2e-2, "\(composition) z of \(site) on \(products): relative error \(error)")
        }
        print("gradient check: SVF z (\(composition), \(products)) worst relative error \(worst)")
    }

    @Test func loraGradientsOnEveryProjection() {
        let model = Self.model
        var adapters = AdapterSet()
        var random = RandomSource(seed: 5)
        for (i, kind) in LinearKind.allCases.enumerated() {
            let site = LinearSite(layer: i % 2, kind: kind), (outputs, inputs) = TinyLlama.shape(model, kind)
            var lora = LoRA(rank: 3, alpha: 6, inputs: inputs, outputs: outputs, seed: UInt64(i))
            lora.b = lora.b.map { _ in (Float(random.unit()) - 0.5) * 0.4 }  // non-zero, so A's gradient is too
            adapters.lora[site] = lora
        }
        let result = TrainingPass(model: model, adapters: adapters).run(tokens: Self.tokens, scored: Self.scored)
        var worst: Float = 0
        for (site, lora) in adapters.lora.sorted(by: { $0.key < $1.key }) {
            for matrix in ["A", "B"] {
                let values = matrix == "A" ? lora.a : lora.b
                let coordinates = [0, values.count / 3, values.count - 1]
                let numbers = numeric(coordinates, value: { values[$0] }) { i, v in
                    var changed = adapters
                    if matrix == "A" { changed.lora[site]!.a[i] = v } else { changed.lora[site]!.b[i] = v }
                    return loss(TrainingPass(model: model, adapters: changed))
                }
                let gradient = matrix == "A" ? result.gradients.loraA[site]! : result.gradients.loraB[site]!
                let error = relativeError(coordinates.map { gradient[$0] }, numbers)
                worst = max(worst, error)
                #expect(error < 2e-2, "LoRA \(matrix) of \(site): relative error \(error)")
            }
        }
        print("gradient check: LoRA worst relative error \(worst)")
    }

    @Test func klPenaltyGradients() {
        let model = Self.model
        var adapters = AdapterSet()
        var random = RandomSource(seed: 8)
        let site = LinearSite(layer: 1, kind: .down), (outputs, inputs) = TinyLlama.shape(model, .down)
        var lora = LoRA(rank: 3, alpha: 6, inputs: inputs, outputs: outputs, seed: 2)
        lora.b = lora.b.map { _ in (Float(random.unit()) - 0.5) * 0.6 }
        adapters.lora[site] = lora
        // The reference is the base model; the KL term pulls the adapted model back to it.
        let reference = TrainingPass(model: model, adapters: AdapterSet()).logProbabilityRows(tokens: Self.tokens, positions: Self.scored.map(\.position))
        func pass(_ a: AdapterSet) -> TrainingPass { TrainingPass(model: model, adapters: a) }
        let result = pass(adapters).run(tokens: Self.tokens, scored: Self.scored, reference: reference, klWeight: 0.7)
        let plain = pass(adapters).run(tokens: Self.tokens, scored: Self.scored, backward: false)
        #expect(result.loss > plain.loss, "a different model has a positive KL to the base")
        let coordinates = [0, lora.b.count / 2, lora.b.count - 1]
        let numbers = numeric(coordinates, value: { lora.b[$0] }) { i, v in
            var changed = adapters
            changed.lora[site]!.b[i] = v
            return pass(changed).run(tokens: Self.tokens, scored: Self.scored, backward: false, reference: reference, klWeight: 0.7).loss
        }
        let error = relativeError(coordinates.map { result.gradients.loraB[site]![$0] }, numbers)
        print("gradient check: KL penalty relative error \(error)")
        #expect(error < 2e-2, "relative error \(error)")
        // With no adapters the model is its reference: the penalty is zero.
        let same = pass(AdapterSet()).run(tokens: Self.tokens, scored: Self.scored, backward: false, reference: reference, klWeight: 0.7)
        #expect(abs(same.loss - pass(AdapterSet()).run(tokens: Self.tokens, scored: Self.scored, backward: false).loss) < 1e-5)
    }

    @Test func inputEmbeddingGradients() {
        let model = Self.model, e = model.config.width
        let embeddings = Self.tokens.flatMap { model.weights.tokenEmbedding.floats[($0 * e)..<(($0 + 1) * e)] }
        let pass = TrainingPass(model: model, adapters: AdapterSet())
        let result = pass.run(tokens: Self.tokens, scored: Self.scored, embeddings: embeddings)
        let coordinates = [0, 5, e + 3, 4 * e + 7, 8 * e - 1, embeddings.count - 1]
        let numbers = numeric(coordinates, value: { embeddings[$0] }) { i, v in
            var changed = embeddings
            changed[i] = v
            return loss(pass, embeddings: changed)
        }
        let error = relativeError(coordinates.map { result.embeddingGradient[$0] }, numbers)
        print("gradient check: input embeddings relative error \(error)")
        #expect(error < 2e-2, "relative error \(error)")
    }

    @Test func anIdentitySVFOrAFreshLoRAChangesNothing() throws {
        let model = Self.model
        let plain = TrainingPass(model: model, adapters: AdapterSet()).run(tokens: Self.tokens, scored: Self.scored, backward: false)
        let site = LinearSite(layer: 1, kind: .up), (outputs, inputs) = TinyLlama.shape(model, .up)
        let basis = try SVFBasis(weight: TinyLlama.weight(model, site), outputs: outputs, inputs: inputs)
        for composition in SVFComposition.allCases {
            let adapters = AdapterSet(svf: [site: composition.identity(rank: basis.rank)], composition: composition)
            let svf = TrainingPass(model: model, bases: [site: basis], adapters: adapters).run(tokens: Self.tokens, scored: Self.scored, backward: false)
            #expect(abs(svf.loss - plain.loss) < 1e-4, "\(composition)")
        }
        let fresh = AdapterSet(lora: [site: LoRA(rank: 4, alpha: 8, inputs: inputs, outputs: outputs, seed: 1)])
        #expect(TrainingPass(model: model, adapters: fresh).run(tokens: Self.tokens, scored: Self.scored, backward: false).loss == plain.loss)
    }

    @Test(arguments: products)
    func theTrainingForwardAgreesWithInference(products: TrainingProducts) {
        let model = Self.model
        var cache = model.makeCache(capacity: 16)
        let logits = model.forward(Self.tokens, cache: &cache)
        let last = Self.tokens.count - 1
        let logProbability = TrainingPass(model: model, adapters: AdapterSet(), products: products)
            .run(tokens: Self.tokens, scored: [ScoredToken(position: last, token: 5, weight: 1)], backward: false).logProbabilities[0]
        let maximum = logits.max()!
        let expected = logits[5] - maximum - log(logits.reduce(0) { $0 + exp($1 - maximum) })
        #expect(abs(logProbability - expected) < 1e-4)
    }
}

@Suite struct SVDTests {
    @Test func theDecompositionReconstructsTheMatrix() throws {
        var random = RandomSource(seed: 2)
        for (rows, columns) in [(5, 8), (8, 5), (6, 6)] {
            let w = (0..<(rows * columns)).map { _ in Float(random.unit()) - 0.5 }
            let basis = try SVFBasis(weight: w, outputs: rows, inputs: columns)
            #expect(basis.rank == min(rows, columns))
            #expect(zip(basis.sigma, basis.sigma.dropFirst()).allSatisfy { $0 >= $1 }, "descending")
            for r in 0..<rows {
                for c in 0..<columns {
                    var value: Float = 0
                    for i in 0..<basis.rank { value += basis.u[r * basis.rank + i] * basis.sigma[i] * basis.vt[i * columns + c] }
                    #expect(abs(value - w[r * columns + c]) < 1e-5)
                }
            }
        }
    }
}
