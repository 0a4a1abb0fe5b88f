import Foundation
import Testing
@testable import Models
import TestSupport

/// The real SmolLM2-135M against golden values from the independent numpy oracle
/// (../shared/reference/smol_numpy.py, via scripts/make-golden.py).
@Suite(.serialized, .enabled(if: RealModels.language.available, RealModels.language.missing)) struct SmolLM2GoldenTests {
    @Test func tokenIdsMatchTheOracle() throws {
        let golden = try Fixtures.json("smollm2") as! [String: Any]
        let cases = golden["tokens"] as! [[String: Any]]
        #expect(cases.count >= 20)
        for item in cases {
            let text = item["text"] as! String
            let ids = item["ids"] as! [Int]
            #expect(Fixtures.smol.tokenizer.encode(text) == ids, "\(text.debugDescription)")
            #expect(Fixtures.smol.tokenizer.decode(ids) == text, "round trip of \(text.debugDescription)")
        }
    }

    @Test func greedyContinuationsMatchTheOracle() throws {
        let golden = try Fixtures.json("smollm2") as! [String: Any]
        for item in golden["greedy"] as! [[String: Any]] {
            let prompt = item["prompt"] as! String
            let generation = Fixtures.smol.generate(prompt: prompt, parameters: SamplingParameters(maxTokens: 24))
            #expect(generation.promptTokens == item["prompt_ids"] as! [Int], "\(prompt)")
            #expect(generation.tokens == item["generated_ids"] as! [Int], "\(prompt): \(generation.text.debugDescription)")
        }
    }

    @Test func theCapitalOfFranceIsParis() {
        let answer = Fixtures.smol.generate(prompt: "What is the capital of France?", parameters: SamplingParameters(maxTokens: 32))
        #expect(answer.text.contains("Paris"))
        #expect(answer.stopReason == .endOfTurn)
    }

    @Test func anyUTF8RoundTripsThroughTheTokenizer() {
        var rng = RandomSource(seed: 3)
        let alphabet = Array("aZ09 \t\n!?'\"é中😀🇫🇷ß∑\u{301}<|>_-".unicodeScalars)
        for _ in 0..<200 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 30) { text.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            let string = String(text)
            #expect(Fixtures.smol.tokenizer.decode(Fixtures.smol.tokenizer.encode(string)) == string, "\(string.debugDescription)")
        }
    }

    @Test func theSameSeedGivesTheSameSampledText() {
        let parameters = SamplingParameters(temperature: 0.9, topK: 40, topP: 0.95, seed: 11, maxTokens: 16)
        let a = Fixtures.smol.generate(prompt: "Tell me about the sea.", parameters: parameters)
        let b = Fixtures.smol.generate(prompt: "Tell me about the sea.", parameters: parameters)
        var other = parameters
        other.seed = 12
        let c = Fixtures.smol.generate(prompt: "Tell me about the sea.", parameters: other)
        #expect(a.tokens == b.tokens)
        #expect(a.tokens != c.tokens, "a different seed should sample differently")
    }
}
