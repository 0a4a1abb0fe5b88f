import GESAL
import Models

extension Engine {
    /// One question of a batch: what `ask` takes, and `onStart`, told the interaction's number
    /// before its answer is generated.
    public struct Question {
        public var prompt: String
        public var request: AnswerRequest?
        public var onStart: (Int) -> Void
        public var onText: (String) -> Void

        public init(_ prompt: String, request: AnswerRequest? = nil, onStart: @escaping (Int) -> Void = { _ in },
                    onText: @escaping (String) -> Void = { _ in }) {
            self.prompt = prompt
            self.request = request
            self.onStart = onStart
            self.onText = onText
        }
    }

    /// Asks `questions` as `ask` would one after another, and writes the same log, but
    /// generates their answers together: routing depends on embeddings and nodes alone, so
    /// every plan is known first; the first attempts on one adapter decode as one batch
    /// (`LanguageModel.generate(_:)`, which answers as generating alone does); then each
    /// interaction is recorded in order. A question whose node rejected an answer before is
    /// answered alone (its retries sample again), and so is one whose plan turns out otherwise
    /// when it is recorded. Every question is checked before anything runs.
    public func ask(_ questions: [Question]) throws -> [Answer] {
        for question in questions { try Self.checkAskable(question.prompt, request: question.request, language: models.language) }
        let embeddings = questions.map { models.embedder.embed($0.prompt) }
        let first = state.nextInteraction
        var scratch = state
        var plans: [AnswerPlan] = []
        for (index, question) in questions.enumerated() {
            let (plan, routed) = Self.plan(prompt: question.prompt, embedding: embeddings[index], interaction: first + index,
                                           request: question.request, in: scratch, threshold: config.similarityThreshold)
            try scratch.apply(routed.event)
            plans.append(plan)
        }
        for (index, question) in questions.enumerated() { question.onStart(first + index) }
        let generated = try firstAttempts(plans, onText: questions.map(\.onText))
        return try questions.indices.map { index in
            try record(prompt: questions[index].prompt, embedding: embeddings[index], interaction: first + index,
                       request: questions[index].request) { plan in
                if plan == plans[index], let (generation, parameters) = generated[index] {
                    return RecordedAnswer(text: generation.text, sampling: Answering.record(parameters),
                                          promptTokens: generation.promptTokens.count, responseTokens: generation.tokens.count)
                }
                return try self.answer(plan, onText: questions[index].onText)
            }
        }
    }

    /// The first attempt of every plan without rejected answers, by index: from the cache,
    /// or generated in one batch per adapter.
    private func firstAttempts(_ plans: [AnswerPlan], onText: [(String) -> Void]) throws -> [Int: (Generation, SamplingParameters)] {
        var results: [Int: (Generation, SamplingParameters)] = [:]
        let batchable = plans.indices.filter { plans[$0].rejected.isEmpty }
        for adapter in Set(batchable.map { plans[$0].adapter }).sorted(by: { ($0 ?? "") < ($1 ?? "") }) {
            var missing: [(index: Int, request: GenerationRequest)] = []
            for index in batchable where plans[index].adapter == adapter {
                let plan = plans[index], context = plan.request?.context ?? ChatContext()
                let parameters = Answering.firstParameters(plan, maxTokens: config.maxTokens, storeSeed: state.created!.seed)
                if let known = generations.cached(adapter: adapter, context: context, prompt: plan.prompt, parameters: parameters) {
                    results[index] = (known, parameters)
                } else {
                    missing.append((index, GenerationRequest(prompt: plan.prompt, context: context, parameters: parameters, onText: onText[index])))
                }
            }
            guard !missing.isEmpty else { continue }
            let answers = try languageModel(adapter: adapter).generate(missing.map(\.request))
            for ((index, request), generation) in zip(missing, answers) {
                generations.remember(generation, adapter: adapter, context: request.context, prompt: request.prompt, parameters: request.parameters)
                results[index] = (generation, request.parameters)
            }
        }
        return results
    }
}
