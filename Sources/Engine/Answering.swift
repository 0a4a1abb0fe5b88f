import Adaptation
import GESAL
import Models

/// What an answer depends on. Two equal plans give the same answer, so a rollback keeps a
/// recorded answer whose plan did not change and regenerates only the others.
public struct AnswerPlan: Sendable, Hashable {
    public var interaction: Int
    public var prompt: String
    public var node: Int
    public var adapter: String?
    public var rejected: [String]
}

/// Answers a plan: greedily first; if that answer was rejected before on this node (GESAL's
/// past-response set), samples again with seeds derived from the store's seed and the
/// interaction, up to `retries` times.
public enum Answering {
    public static let retries = 4

    /// `language` gives the model with the plan's adapter merged in; it is called only when
    /// `cache` does not already hold an answer.
    public static func answer(_ plan: AnswerPlan, maxTokens: Int, storeSeed: UInt64, cache: GenerationCache,
                              language: () throws -> LanguageModel) rethrows -> (generation: Generation, sampling: SamplingRecord) {
        func generate(_ parameters: SamplingParameters) throws -> Generation {
            try cache.generation(adapter: plan.adapter, prompt: plan.prompt, parameters: parameters) {
                try language().generate(prompt: plan.prompt, parameters: parameters)
            }
        }
        var parameters = SamplingParameters(maxTokens: maxTokens)
        var generation = try generate(parameters)
        var attempt: UInt64 = 0
        while plan.rejected.contains(generation.text), attempt < UInt64(retries) {
            attempt += 1
            parameters = SamplingParameters(temperature: 0.8, topP: 0.95, seed: mix(storeSeed, UInt64(plan.interaction), attempt), maxTokens: maxTokens)
            generation = try generate(parameters)
        }
        let record = SamplingRecord(temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP,
                                    repetitionPenalty: parameters.repetitionPenalty, maxTokens: maxTokens, seed: parameters.seed)
        return (generation, record)
    }

    /// A seed per (store seed, interaction, attempt), drawn from the project's generator.
    static func mix(_ seed: UInt64, _ interaction: UInt64, _ attempt: UInt64) -> UInt64 {
        var random = RandomSource(seed: seed ^ (interaction &* 0x9E37_79B9_7F4A_7C15) ^ (attempt << 56))
        return random.next()
    }
}
