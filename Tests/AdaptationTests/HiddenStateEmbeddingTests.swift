import Testing
import Models
import Tensor

/// The `hidden-mean` embedder: the model's final hidden states, averaged and unit length.
@Suite struct HiddenStateEmbeddingTests {
    @Test func theMeanHiddenStateIsAUnitVectorThatFollowsTheInput() {
        let model = TinyLlama.make(seed: 3)
        let a = model.meanHiddenState([1, 5, 9, 2]), b = model.meanHiddenState([1, 5, 9, 2]), c = model.meanHiddenState([30, 31, 7])
        #expect(a.count == model.config.width)
        #expect(abs(a.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
        #expect(a == b, "deterministic")
        #expect(Ops.cosine(a, c) < 0.999, "another prompt, another embedding")

        // The mean of the per-position states, each the output-normed residual after the last
        // block: for a single token, the decoder's own prefix run sees the same stream.
        let one = model.meanHiddenState([4])
        var cache = model.makeCache()
        let logits = model.forward([4], cache: &cache)
        let e = model.config.width
        var projected = [Float](repeating: 0, count: model.config.vocabularySize)
        let norm = one.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(abs(norm - 1) < 1e-5)
        // logits = h · Eᵀ with h the normed state; h is a positive multiple of `one`, so the
        // logits and one · Eᵀ point the same way.
        for token in 0..<model.config.vocabularySize {
            for i in 0..<e { projected[token] += one[i] * model.weights.tokenEmbedding.floats[token * e + i] }
        }
        #expect(Ops.cosine(projected, logits) > 0.9999)
    }
}
