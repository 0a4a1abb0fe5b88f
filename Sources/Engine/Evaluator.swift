import Adaptation
import EventLog
import GESAL
import Models
import Tasks

/// Scores what a store would answer, without recording anything: each prompt is routed
/// through the branch's graph memory (no node is created or moved) and answered as `ask`
/// would, with the node's adapter and its rejected answers. Without a state, the plain model
/// answers greedily.
public struct Evaluator {
    public let models: EngineModels
    public let state: EngineState?
    public let blobs: BlobStore?
    public var maxTokens: Int
    /// Answers known from earlier scoring or asking (an engine's `generations`), reused when
    /// the adapter, prompt and sampling are the same.
    public let cache: GenerationCache

    /// `maxTokens` is the answer length: when nil, the store's setting, or 48 for the plain model.
    public init(models: EngineModels, state: EngineState? = nil, blobs: BlobStore? = nil, maxTokens: Int? = nil,
                cache: GenerationCache = GenerationCache()) {
        self.models = models
        self.state = state
        self.blobs = blobs
        self.maxTokens = maxTokens ?? state?.created?.config.maxTokens ?? 48
        self.cache = cache
    }

    /// What answers `prompt` in this state: the node it routes to (none is created or moved),
    /// that node's adapter and rejected answers. Without a state (or a node near enough), the
    /// plain model. `embedding` saves embedding a prompt scored at many states.
    public func plan(for prompt: String, embedding: [Float]? = nil, index: Int = 0) -> AnswerPlan {
        var plan = AnswerPlan(interaction: index, prompt: prompt, node: 0, adapter: nil, rejected: [])
        guard let state, let config = state.created?.config else { return plan }
        let embedding = embedding ?? models.embedder.embed(prompt)
        if case .existing(let node, _, _, _) = Routing.route(embedding, in: state, threshold: config.similarityThreshold) {
            plan.node = node
            plan.adapter = state.nodes[node]!.adapterBlob
            plan.rejected = state.nodes[node]!.rejectedResponses
        }
        plan.clusterAdapter = state.clusterAdapter(for: embedding)
        return plan
    }

    /// Each item's answer and whether the strict checker accepts it, in the items' order.
    public func answers(_ items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws -> [(response: String, correct: Bool)] {
        try answers(items.enumerated().map { plan(for: $1.prompt, index: $0) }, for: items, progress: progress)
    }

    /// The answer to each plan (one per item, in order) and whether the strict checker accepts it.
    public func answers(_ plans: [AnswerPlan], for items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws
        -> [(response: String, correct: Bool)] {
        try zip(responses(plans, progress: progress), items).map { ($0, AnswerExtraction.isCorrect($0, for: $1)) }
    }

    /// The answer to each plan, in order. Grouped by adapter, so each adapter is merged into
    /// the weights once, and only if an answer is not in the cache.
    public func responses(_ plans: [AnswerPlan], progress: (Int, Int) -> Void = { _, _ in }) throws -> [String] {
        var results = [String](repeating: "", count: plans.count)
        var done = 0
        for (stack, group) in Dictionary(grouping: plans.indices, by: { plans[$0].stack }).sorted(by: { ($0.key.key ?? "") < ($1.key.key ?? "") }) {
            var merged: LanguageModel?
            func language() throws -> LanguageModel {
                if let merged { return merged }
                merged = try adapted(stack)
                return merged!
            }
            for index in group {
                results[index] = try Answering.answer(plans[index], maxTokens: maxTokens, storeSeed: state?.created?.seed ?? 0, cache: cache,
                                                      language: language).generation.text
                done += 1
                progress(done, plans.count)
            }
        }
        return results
    }

    public func accuracy(_ items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws -> Accuracy {
        Accuracy(correct: try answers(items, progress: progress).filter(\.correct).count, items: items)
    }

    private func adapted(_ stack: AdapterStack) throws -> LanguageModel {
        guard !stack.isBase else { return models.language }
        guard let blobs else { throw EngineError(.invalidRequest, "adapter \(stack.key!.prefix(12)) needs the store's blobs") }
        return try models.adapted(stack, blob: { try blobs.get(hex: $0) })
    }
}
