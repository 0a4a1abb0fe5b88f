import Testing
@testable import Models
import TestSupport

/// A prompt asked again starts from the state the model kept after reading it, and answers
/// exactly as reading it again would, on the real SmolLM2 in blocks (what the engine runs).
@Suite(.serialized, .enabled(if: RealModels.languageBlocks.available, RealModels.languageBlocks.missing)) struct PromptStatesTests {
    static let prompt = "How many times does the letter r appear in the word strawberry?"

    /// A fresh copy of the model (its own kept states), sharing the weights.
    static func model() throws -> LanguageModel {
        let smol = try RealModels.languageBlocks.get()
        return LanguageModel(path: smol.path, model: smol.model, tokenizer: smol.tokenizer, template: smol.template, stopTokens: smol.stopTokens)
    }

    static func sampled(_ seed: UInt64, maxTokens: Int = 8) -> SamplingParameters {
        SamplingParameters(temperature: 0.8, topP: 0.95, seed: seed, maxTokens: maxTokens)
    }

    @Test func aRetryStartsFromTheKeptStateAndAnswersAsReadingThePromptAgain() throws {
        let reusing = try Self.model(), reading = try Self.model()
        _ = reusing.generate(prompt: Self.prompt, parameters: SamplingParameters(maxTokens: 8), reusingPrompt: true)
        #expect(reusing.promptStates.hits == 0)
        for seed in [UInt64(1), 2, 3] {
            let retried = reusing.generate(prompt: Self.prompt, parameters: Self.sampled(seed), reusingPrompt: true)
            let read = reading.generate(prompt: Self.prompt, parameters: Self.sampled(seed))
            #expect(retried == read, "seed \(seed)")
        }
        #expect(reusing.promptStates.hits == 3)
        #expect(reading.promptStates.hits == 0)
    }

    /// The kept state of an 8-token answer serves a longer one: the cache gets the room the new
    /// request needs, so it stops where reading the prompt would (here at its own 20 tokens).
    @Test func aKeptStateServesAnAnswerOfAnotherLength() throws {
        let reusing = try Self.model(), reading = try Self.model()
        _ = reusing.generate(prompt: Self.prompt, parameters: SamplingParameters(maxTokens: 8), reusingPrompt: true)
        let retried = reusing.generate(prompt: Self.prompt, parameters: Self.sampled(7, maxTokens: 20), reusingPrompt: true)
        let read = reading.generate(prompt: Self.prompt, parameters: Self.sampled(7, maxTokens: 20))
        #expect(reusing.promptStates.hits == 1)
        #expect(retried == read)
        #expect(retried.tokens.count == read.tokens.count)
    }

    /// Another prompt does not take a kept state (the tokens must be equal), and only the last
    /// `kept` prompts are kept.
    @Test func onlyTheSameTokensAndTheLastFewPromptsAreReused() throws {
        let model = try Self.model()
        let prompts = (1...(PromptStates.kept + 1)).map { "What is \($0) + \($0)?" }
        for prompt in prompts { _ = model.generate(prompt: prompt, parameters: SamplingParameters(maxTokens: 2), reusingPrompt: true) }
        #expect(model.promptStates.hits == 0)
        _ = model.generate(prompt: prompts.last!, parameters: SamplingParameters(maxTokens: 2), reusingPrompt: true)
        #expect(model.promptStates.hits == 1)
        _ = model.generate(prompt: prompts.first!, parameters: SamplingParameters(maxTokens: 2), reusingPrompt: true)
        #expect(model.promptStates.hits == 1, "the oldest prompt was let go")
    }

    /// A request that does not ask to reuse neither keeps its prompt nor takes a kept one.
    @Test func aPlainRequestKeepsNothing() throws {
        let model = try Self.model()
        _ = model.generate(prompt: Self.prompt, parameters: SamplingParameters(maxTokens: 2))
        _ = model.generate(prompt: Self.prompt, parameters: SamplingParameters(maxTokens: 2), reusingPrompt: true)
        #expect(model.promptStates.hits == 0)
    }
}
