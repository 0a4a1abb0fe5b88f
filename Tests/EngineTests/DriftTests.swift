import Adaptation
@testable import Engine
import Foundation
import Models
import TestSupport
import Testing

/// The drift figure: KL(adapted ‖ base) per token, averaged over the prose.
@Suite struct DriftTests {
    /// KL(p ‖ q) for p = (0.5, 0.5), q = (0.9, 0.1), worked by hand:
    /// 0.5 ln(0.5 / 0.9) + 0.5 ln(0.5 / 0.1) = 0.510826 nats.
    @Test func klDivergenceIsItsDefinition() {
        let p: [Float] = [log(0.5), log(0.5)], q: [Float] = [log(0.9), log(0.1)]
        #expect(abs(Drift.klDivergence(p, q) - 0.510826) < 1e-5)
        #expect(Drift.klDivergence(q, q) == 0)
    }

    /// Each adapted model is made, measured and let go before the next is made (its Float32
    /// weights are 318 MB for SmolLM2): the first is gone when the second's turn comes.
    @Test(.enabled(if: RealModels.available, RealModels.missing)) func eachAdaptedModelIsLetGoBeforeTheNextIsMade() throws {
        let models = try RealModels.models()
        let language = models.language
        let site = LinearSite(layer: 3, kind: .q), lora = LoRAFixture.lora(language.model)
        weak var first: LlamaModel?
        var firstGoneAtSecond: Bool?
        let figure = try Drift.measure(models: models, adapters: [
            {
                let adapted = language.adapted(AdapterSet(lora: [site: lora]), bases: [:])
                first = adapted.model
                return adapted
            },
            {
                firstGoneAtSecond = first == nil
                return language.adapted(AdapterSet(lora: [site: lora]), bases: [:])
            },
        ], of: 2, text: "The river runs past the old mill, and the miller counts the sacks of grain every evening.", tokens: 24)
        #expect(firstGoneAtSecond == true)
        #expect(figure.measured == 2)
        #expect(figure.meanKL > 0, "a LoRA on a query matrix moves the distribution")
    }
}
