import Testing
@testable import Models
import TestSupport

/// Batched decoding on the real SmolLM2: a sequence's numbers do not depend on the others in
/// its batch, so an answer generated in a batch is the answer generated alone, token for token.
@Suite(.serialized, .enabled(if: RealModels.language.available, RealModels.language.missing)) struct BatchedDecodingTests {
    static let prompts = ["What is 12 + 7? Answer with a number.", "What is the capital of France?",
                          "Name three colours of the rainbow.", "Write a haiku about the sea.", "hi"]

    /// Each prompt read into its own cache; the first token of each greedy answer.
    static func prefilled() -> (caches: [KVCache], tokens: [Int]) {
        let smol = Fixtures.smol
        var caches: [KVCache] = [], tokens: [Int] = []
        for prompt in prompts {
            let ids = smol.tokenizer.encode(smol.template.render(user: prompt))
            var cache = smol.model.makeCache(capacity: ids.count + 4)
            tokens.append(Sampler.argmax(smol.model.forward(ids, cache: &cache)))
            caches.append(cache)
        }
        return (caches, tokens)
    }

    @Test func aDecodeStepGivesTheSameLogitsAloneAndInABatch() {
        let (caches, tokens) = Self.prefilled()
        var all = caches
        let batched = Fixtures.smol.model.decode(tokens, caches: &all)
        for index in tokens.indices {
            var alone = [caches[index]]
            let logits = Fixtures.smol.model.decode([tokens[index]], caches: &alone)[0]
            #expect(logits.map(\.bitPattern) == batched[index].map(\.bitPattern), "sequence \(index)")
            #expect(alone[0].count == all[index].count)
        }
    }

    /// A step that reads two prompts and decodes a third sequence gives each the logits it gets alone.
    @Test func aStepReadsEachPromptAsItIsReadAlone() {
        let smol = Fixtures.smol
        let runs = Self.prompts.prefix(2).map { smol.tokenizer.encode(smol.template.render(user: $0)) }
        let (prefilled, tokens) = Self.prefilled()
        var caches = runs.map { smol.model.makeCache(capacity: $0.count + 1) } + [prefilled[2]]
        let together = smol.model.step(runs + [[tokens[2]]], caches: &caches)
        for (index, run) in runs.enumerated() {
            var cache = smol.model.makeCache(capacity: run.count + 1)
            let alone = smol.model.forward(run, cache: &cache)
            #expect(alone.map(\.bitPattern) == together[index].map(\.bitPattern), "prompt \(index)")
            #expect(caches[index].count == run.count)
        }
        var alone = [prefilled[2]]
        #expect(smol.model.decode([tokens[2]], caches: &alone)[0].map(\.bitPattern) == together[2].map(\.bitPattern), "the decoding sequence")
    }

    /// A prompt past `longPrompt` tokens is read on its own (through OpenBLAS) in a batch too,
    /// so its answer is the one it gets alone, and the short ones beside it are theirs.
    @Test func aLongPromptIsAnsweredInABatchAsAlone() {
        let smol = Fixtures.smol
        let long = "Summarise in one sentence: " + String(repeating: "The event log records every interaction and every learning step. ", count: 12)
        #expect(smol.tokenizer.encode(smol.template.render(user: long)).count > LanguageModel.longPrompt)
        let requests = [long, Self.prompts[0], Self.prompts[1]].map { GenerationRequest(prompt: $0, parameters: SamplingParameters(maxTokens: 5)) }
        let alone = requests.map { smol.generate([$0])[0] }
        #expect(smol.generate(requests) == alone)
        var joined = 0
        let midway = smol.generate(Array(requests.suffix(2)), admit: { _ in
            joined += 1
            return joined == 2 ? [requests[0]] : []
        })
        #expect(midway == [alone[1], alone[2], alone[0]])
    }

    @Test func aBatchOfAnswersIsTheAnswersGeneratedAlone() {
        let smol = Fixtures.smol
        let parameters = Self.prompts.indices.map { index in
            index % 2 == 0 ? SamplingParameters(maxTokens: 3 + 2 * index)
                : SamplingParameters(temperature: 0.8, seed: UInt64(index), maxTokens: 8, stop: ["."])
        }
        let alone = zip(Self.prompts, parameters).map { smol.generate(prompt: $0, parameters: $1) }
        let together = smol.generate(zip(Self.prompts, parameters).map { GenerationRequest(prompt: $0, parameters: $1) })
        #expect(together == alone)
        #expect(Set(alone.map(\.tokens.count)).count > 1, "the answers end at different steps, so the batch shrinks as it goes")
    }

    /// Continuous batching: requests that join while others decode are answered as alone,
    /// and each answer is reported once, by its number, when it is complete.
    @Test func requestsThatJoinMidwayAreAnsweredAsAlone() {
        let smol = Fixtures.smol
        let requests = Self.prompts.map { GenerationRequest(prompt: $0, parameters: SamplingParameters(maxTokens: 6)) }
        let alone = requests.map { smol.generate([$0])[0] }
        var steps = 0
        var reported: [Int: Generation] = [:]
        let together = smol.generate(Array(requests.prefix(2)), admit: { running in
            steps += 1
            // Two join at the third step, while the first two decode; the rest at the fifth.
            switch steps {
            case 3: #expect(running == 2); return Array(requests[2..<4])
            case 5: return Array(requests[4...])
            default: return []
            }
        }, finished: { index, generation in
            #expect(reported[index] == nil, "answer \(index) reported twice")
            reported[index] = generation
        })
        #expect(together == alone)
        #expect(reported.count == requests.count && requests.indices.allSatisfy { reported[$0] == alone[$0] })
    }

    @Test func eachAnswerStreamsItsOwnText() {
        let smol = Fixtures.smol
        nonisolated(unsafe) var pieces = ["", ""]
        let results = smol.generate([GenerationRequest(prompt: Self.prompts[0], parameters: SamplingParameters(maxTokens: 4)) { pieces[0] += $0 },
                                     GenerationRequest(prompt: Self.prompts[1], parameters: SamplingParameters(maxTokens: 4)) { pieces[1] += $0 }])
        #expect(pieces == results.map(\.text))
    }
}
