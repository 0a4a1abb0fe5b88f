import Adaptation
import GESAL
import Models

/// What an answer depends on. Two equal plans give the same answer, so a rollback keeps a
/// recorded answer whose plan did not change and regenerates only the others.
public struct AnswerPlan: Sendable, Equatable {
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

    public static func answer(_ plan: AnswerPlan, with language: LanguageModel, maxTokens: Int, storeSeed: UInt64)
        -> (generation: Generation, sampling: SamplingRecord) {
        var parameters = SamplingParameters(maxTokens: maxTokens)
        var generation = language.generate(prompt: plan.prompt, parameters: parameters)
        var attempt: UInt64 = 0
        while plan.rejected.contains(generation.text), attempt < UInt64(retries) {
            attempt += 1
            parameters = SamplingParameters(temperature: 0.8, topP: 0.95, seed: mix(storeSeed, UInt64(plan.interaction), attempt), maxTokens: maxTokens)
            generation = language.generate(prompt: plan.prompt, parameters: parameters)
        }
        let record = SamplingRecord(temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP,
                                    repetitionPenalty: parameters.repetitionPenalty, maxTokens: maxTokens, seed: parameters.seed)
        return (generation, record)
    }

    /// SplitMix64 over the three inputs: distinct, well-spread seeds.
    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var x = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1) &+ 0xBF58_476D_1CE4_E5B9 &* c
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
