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
    public let blobs: (any EventHistory)?
    public var maxTokens: Int
    /// Answers known from earlier scoring or asking (an engine's `generations`), reused when
    /// the adapter, prompt and sampling are the same.
    public let cache: GenerationCache
    /// Chooses each answer's expert as the state's store does (`dispatching(log:branch:)`);
    /// nil answers without experts.
    public var dispatch: (dispatcher: Dispatcher, strategy: DispatchStrategy)?

    /// `maxTokens` is the answer length: when nil, the store's setting, or 48 for the plain model.
    public init(models: EngineModels, state: EngineState? = nil, blobs: (any EventHistory)? = nil, maxTokens: Int? = nil,
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
        plan.knowledge = state.knowledge.adapter
        if let dispatch { plan.expert = dispatch.dispatcher.use(dispatch.dispatcher.decide(prompt, embedding: embedding, strategy: dispatch.strategy)) }
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

    /// Whether each item's answer is right when it is answered by `adapters[i]` alone (an
    /// expert's blob; nil, the base model): no node, no dispatch.
    public func correct(_ items: [TaskItem], adapters: [String?], progress: (Int, Int) -> Void = { _, _ in }) throws -> [Bool] {
        let plans = items.indices.map { AnswerPlan(interaction: $0, prompt: items[$0].prompt, node: 0, adapter: adapters[$0], rejected: []) }
        return try answers(plans, for: items, progress: progress).map(\.correct)
    }

    /// The answer to each plan, in order. Grouped by adapters, so each stack is merged into
    /// the weights once, and only if an answer is not in the cache; each group's first
    /// attempts decode as one batch.
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
            let decoded = try decodeFirstAttempts(group.map { plans[$0] }, stack: stack, language: language) {
                progress(done + $0, plans.count)
            }
            for index in group {
                results[index] = try Answering.answer(plans[index], maxTokens: maxTokens, storeSeed: state?.created?.seed ?? 0, cache: cache,
                                                      language: language).generation.text
            }
            done += group.count
            if decoded < group.count { progress(done, plans.count) }
        }
        return results
    }

    /// Decodes, as one batch, the first attempts of `plans` (all on `stack`) that the cache
    /// does not hold and that no rejected answer can replace, and caches them: `Answering`
    /// then finds them there. A batched answer is the same, token for token, as one decoded
    /// alone. Returns how many were decoded, telling `decodedOne` the count as each completes.
    private func decodeFirstAttempts(_ plans: [AnswerPlan], stack: AdapterStack, language: () throws -> LanguageModel,
                                     decodedOne: (Int) -> Void) throws -> Int {
        let storeSeed = state?.created?.seed ?? 0
        let requests = plans.filter(\.rejected.isEmpty).compactMap { plan -> GenerationRequest? in
            let parameters = Answering.firstParameters(plan, maxTokens: maxTokens, storeSeed: storeSeed)
            let context = plan.request?.context ?? ChatContext()
            guard cache.cached(adapter: stack.key, context: context, prompt: plan.prompt, parameters: parameters) == nil else { return nil }
            return GenerationRequest(prompt: plan.prompt, context: context, parameters: parameters)
        }
        guard !requests.isEmpty else { return 0 }
        var finished = 0
        let generations = try language().generate(requests, finished: { _, _ in
            finished += 1
            decodedOne(finished)
        })
        for (request, generation) in zip(requests, generations) {
            cache.remember(generation, adapter: stack.key, context: request.context, prompt: request.prompt, parameters: request.parameters)
        }
        return requests.count
    }

    /// This evaluator with the store's dispatch: the library of `state` (read from `log`'s
    /// `branch`) chooses each answer's expert with the store's strategy, as `ask` would.
    public func dispatching(log: any EventHistory, branch: String) throws -> Evaluator {
        guard let state, let name = state.created?.config.dispatch?.strategy, let strategy = DispatchStrategy(rawValue: name), strategy != .none else {
            return self
        }
        var evaluator = self
        let dispatcher = try Dispatcher.library(of: state, log: log, branch: branch, models: models)
        if !dispatcher.candidates.isEmpty { evaluator.dispatch = (dispatcher, strategy) }
        return evaluator
    }

    public func accuracy(_ items: [TaskItem], progress: (Int, Int) -> Void = { _, _ in }) throws -> Accuracy {
        Accuracy(correct: try answers(items, progress: progress).filter(\.correct).count, items: items)
    }

    private func adapted(_ stack: AdapterStack) throws -> LanguageModel {
        guard !stack.isBase else { return models.language }
        guard let blobs else { throw EngineError(.invalidRequest, "adapter \(stack.key!.prefix(12)) needs the store's blobs") }
        return try models.adapted(stack, blob: { try blobs.blob(hex: $0) })
    }
}
