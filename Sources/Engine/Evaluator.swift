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

    public init(models: EngineModels, state: EngineState? = nil, blobs: BlobStore? = nil, maxTokens: Int = 48,
                cache: GenerationCache = GenerationCache()) {
        self.models = models
        self.state = state
        self.blobs = blobs
        self.maxTokens = state?.created?.config.maxTokens ?? maxTokens
        self.cache = cache
    }

    /// Each item's answer and whether the strict checker accepts it, in the items' order.
    public func answers(_ items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws -> [(response: String, correct: Bool)] {
        var plans: [AnswerPlan] = []
        for (index, item) in items.enumerated() {
            var plan = AnswerPlan(interaction: index, prompt: item.prompt, node: 0, adapter: nil, rejected: [])
            if let state, let config = state.created?.config,
               case .existing(let node, _, _, _) = Routing.route(models.embedder.embed(item.prompt), in: state, threshold: config.similarityThreshold) {
                plan.node = node
                plan.adapter = state.nodes[node]!.adapterBlob
                plan.rejected = state.nodes[node]!.rejectedResponses
            }
            plans.append(plan)
        }
        // Grouped by adapter, so each adapter is merged into the weights once, and only if an
        // answer is not in the cache.
        var results = [(response: String, correct: Bool)](repeating: ("", false), count: items.count)
        var done = 0
        for (adapter, group) in Dictionary(grouping: plans.indices, by: { plans[$0].adapter ?? "" }).sorted(by: { $0.key < $1.key }) {
            var merged: LanguageModel?
            func language() throws -> LanguageModel {
                if adapter.isEmpty { return models.language }
                if let merged { return merged }
                merged = try adapted(adapter)
                return merged!
            }
            for index in group {
                let text = try Answering.answer(plans[index], maxTokens: maxTokens, storeSeed: state?.created?.seed ?? 0, cache: cache,
                                                language: language).generation.text
                results[index] = (text, AnswerExtraction.isCorrect(text, for: items[index]))
                done += 1
                progress(done, items.count)
            }
        }
        return results
    }

    public func accuracy(_ items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws -> Accuracy {
        Accuracy(correct: try answers(items, progress: progress).filter(\.correct).count, items: items)
    }

    private func adapted(_ blob: String) throws -> LanguageModel {
        guard let blobs else { throw EngineError(.invalidRequest, "adapter \(blob.prefix(12)) needs the store's blobs") }
        return try models.adapted(try blobs.get(hex: blob))
    }
}
