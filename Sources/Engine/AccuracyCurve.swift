import EventLog
import GESAL
import Tasks

/// Accuracy along a branch's history (`gesal-log curve`): the branch is replayed once, and the
/// items are scored on its first state, after every `every` learning steps, and at its head.
/// Answers are shared through the cache, so a point whose adapters did not change (on this
/// branch or another scored with the same cache) costs no generation.
public struct AccuracyCurve: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        /// The state scored is the one after this event.
        public var sequence: UInt64
        /// Learning steps (`AdapterUpdated`) folded in by then.
        public var learningSteps: Int
        public var accuracy: Accuracy
    }

    public var branch: String
    public var points: [Point]

    /// `progress` gets (points scored, points to score); `maxTokens` is the answer length
    /// (nil: the store's).
    public static func measure(store: any EventHistory, branch: String, items: [TaskItem], every: Int, models: EngineModels, maxTokens: Int? = nil,
                               cache: GenerationCache = GenerationCache(), progress: (Int, Int) -> Void = { _, _ in }) throws -> AccuracyCurve {
        guard every >= 1 else { throw EngineError(.invalidRequest, "--every must be at least 1 learning step") }
        let head = try store.head(of: branch)
        var total = 0
        try store.forEachEvent(branch: branch) { if $0.type == AdapterUpdated.typeName { total += 1 } }
        let expected = 1 + total / every + (total % every == 0 ? 0 : 1)
        let embeddings = items.map { models.embedder.embed($0.prompt) }

        var curve = AccuracyCurve(branch: branch, points: [])
        var state = EngineState()
        var steps = 0
        func score(after sequence: UInt64) throws {
            let evaluator = Evaluator(models: models, state: state, blobs: store, maxTokens: maxTokens, cache: cache)
            let plans = items.indices.map { evaluator.plan(for: items[$0].prompt, embedding: embeddings[$0], index: $0) }
            let right = try evaluator.answers(plans, for: items).filter(\.correct).count
            curve.points.append(Point(sequence: sequence, learningSteps: steps, accuracy: Accuracy(correct: right, items: items)))
            progress(curve.points.count, expected)
        }
        try store.forEachEvent(branch: branch) { event in
            // Folding refuses a branch whose first event is not StoreCreated.
            let fact = try state.fold(event)
            if event.sequence == 1 {
                try score(after: 1)
            } else if case .adapterUpdated = fact {
                steps += 1
                if steps % every == 0 { try score(after: event.sequence) }
            }
        }
        if steps % every != 0 { try score(after: head) }
        return curve
    }
}
