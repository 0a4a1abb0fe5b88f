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
    /// What the caller asked beyond the prompt (nil: the store's policy).
    public var request: AnswerRequest?
    /// The cluster adapter of SAGE's pool stacked on the node's, when the prompt is within a
    /// pooled cluster's reach.
    public var clusterAdapter: ClusterAdapterUse?
    /// The expert dispatch chose, beneath the node's adapter.
    public var expert: ExpertUse?
    /// SEAL's knowledge adapter, stacked on top.
    public var knowledge: String?

    public init(interaction: Int, prompt: String, node: Int, adapter: String?, rejected: [String], request: AnswerRequest? = nil,
                clusterAdapter: ClusterAdapterUse? = nil, expert: ExpertUse? = nil, knowledge: String? = nil) {
        self.interaction = interaction
        self.prompt = prompt
        self.node = node
        self.adapter = adapter
        self.rejected = rejected
        self.request = request.flatMap { $0.isEmpty ? nil : $0 }
        self.clusterAdapter = clusterAdapter
        self.expert = expert
        self.knowledge = knowledge
    }
}

extension AnswerPlan {
    /// Whether `other` gets the same answer: everything but the node, on which an answer
    /// depends only through the node's adapter and rejected answers (both in the plan). A
    /// batch records an answer generated for one plan under another when they answer alike.
    public func answersLike(_ other: AnswerPlan) -> Bool {
        interaction == other.interaction && prompt == other.prompt && stack == other.stack && rejected == other.rejected
            && request == other.request
    }
}

/// Answers a plan: as its request asks (greedily, by default) first; if that answer was
/// rejected before on this node (GESAL's past-response set), samples again with seeds derived
/// from the store's seed and the interaction, up to `retries` times.
public enum Answering {
    public static let retries = 4

    /// `language` gives the model with the plan's adapters merged in; it is called only when
    /// `cache` does not already hold an answer. `onText` sees the first attempt's text as it is
    /// generated, only when no earlier answer on the node was rejected (a retry would replace it).
    public static func answer(_ plan: AnswerPlan, maxTokens: Int, storeSeed: UInt64, cache: GenerationCache,
                              onText: (String) -> Void = { _ in },
                              language: () throws -> LanguageModel) rethrows -> (generation: Generation, sampling: SamplingRecord) {
        let context = plan.request?.context ?? ChatContext()
        func generate(_ parameters: SamplingParameters, onText: (String) -> Void = { _ in }) throws -> Generation {
            try cache.generation(adapter: plan.stack.key, context: context, prompt: plan.prompt, parameters: parameters) {
                // A retry asks the same prompt of the same model: it starts from the state the
                // first attempt left (the same answer, without reading the prompt again).
                try language().generate(prompt: plan.prompt, context: context, parameters: parameters, reusingPrompt: true, onText: onText)
            }
        }
        var parameters = firstParameters(plan, maxTokens: maxTokens, storeSeed: storeSeed)
        var generation = try generate(parameters, onText: plan.rejected.isEmpty ? onText : { _ in })
        var attempt: UInt64 = 0
        while plan.rejected.contains(generation.text), attempt < UInt64(retries) {
            attempt += 1
            parameters = SamplingParameters(temperature: 0.8, topP: 0.95, seed: mix(storeSeed, UInt64(plan.interaction), attempt),
                                            maxTokens: parameters.maxTokens, stop: parameters.stop)
            generation = try generate(parameters)
        }
        return (generation, record(parameters))
    }

    /// The first attempt: the store's policy (greedy, `maxTokens`) with what the request
    /// changes. A sampled answer without a seed gets the one a retry's first draw would, so
    /// it is reproducible from the log all the same.
    static func firstParameters(_ plan: AnswerPlan, maxTokens: Int, storeSeed: UInt64) -> SamplingParameters {
        guard let request = plan.request else { return SamplingParameters(maxTokens: maxTokens) }
        let temperature = request.temperature ?? 0
        return SamplingParameters(temperature: temperature, topP: request.topP ?? 1,
                                  seed: temperature == 0 ? 0 : request.seed ?? mix(storeSeed, UInt64(plan.interaction), 0),
                                  maxTokens: min(request.maxTokens ?? maxTokens, maxTokens), stop: request.stop ?? [])
    }

    /// How an answer was sampled, as the log records it.
    static func record(_ parameters: SamplingParameters) -> SamplingRecord {
        SamplingRecord(temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP,
                       repetitionPenalty: parameters.repetitionPenalty, maxTokens: parameters.maxTokens, seed: parameters.seed)
    }

    /// A seed per (store seed, interaction, attempt), drawn from the project's generator.
    static func mix(_ seed: UInt64, _ interaction: UInt64, _ attempt: UInt64) -> UInt64 {
        var random = RandomSource(seed: seed ^ (interaction &* 0x9E37_79B9_7F4A_7C15) ^ (attempt << 56))
        return random.next()
    }
}

extension AnswerRequest {
    /// The system message and earlier turns the model reads before the prompt. A role other
    /// than user or assistant never gets here (`check` refuses it); it would read as the user's.
    public var context: ChatContext {
        ChatContext(system: system, turns: (turns ?? []).map { ChatContext.Turn($0.role == "assistant" ? .assistant : .user, $0.content) })
    }
}
