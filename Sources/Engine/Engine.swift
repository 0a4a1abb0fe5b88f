import Adaptation
import EventLog
import Foundation
import GESAL
import Models
import Tensor

/// GESAL on one branch of an event log: answers prompts through the graph memory, learns
/// from feedback, and writes every step as events before it counts. The engine owns the
/// branch while it is open (a folder's writer holds the store's lock; on a shared store every
/// append carries the head it was decided on, see `retryingOnConflict`), so it is a class with
/// a single owner; everything it records is a value.
public final class Engine {
    public let writer: any HistoryWriter
    public let models: EngineModels
    public let branch: String
    public private(set) var state: EngineState
    public private(set) var head: UInt64
    /// Differences from the store's recorded set-up that do not stop the engine but can stop
    /// re-execution from being bit-identical (another thread count or BLAS kernel set).
    public private(set) var warnings: [String] = []
    /// Where replay started when the engine opened.
    public let opened: Replay
    private var adaptedModel: (stack: AdapterStack, model: LanguageModel)?
    /// The dispatcher of the library as it was when made, by expert name and adapter (names are
    /// never reused, so an unchanged map means an unchanged library).
    var dispatching: (library: [String: String], dispatcher: Dispatcher)?
    /// The answers this engine generated; an `Evaluator` may share them, and so may engines on
    /// other stores with the same models (an answer is keyed by adapter blob, prompt and sampling).
    public let generations: GenerationCache

    /// An answer, and what recording it did.
    public struct Answer: Sendable {
        public var interaction: Int
        public var node: Int
        public var createdNode: Bool
        public var similarity: Float
        public var text: String
        public var adapter: String?
        /// The cluster adapter of SAGE's pool stacked on the node's, if the prompt was in reach of one.
        public var clusterAdapter: ClusterAdapterUse?
        /// The expert of the library dispatch chose, beneath the node's adapter.
        public var expert: ExpertUse?
        public var sequences: ClosedRange<UInt64>
        public var promptTokens: Int
        public var responseTokens: Int
        /// The most tokens the answer was allowed (the store's, or fewer when asked).
        public var maxTokens: Int
    }

    /// What an answer provider returns: the text and how it was produced.
    public struct RecordedAnswer: Sendable {
        public var text: String
        public var sampling: SamplingRecord
        public var promptTokens: Int
        public var responseTokens: Int
        /// How sure the model was (`AnswerSignals` without the routing part), when known.
        public var confidence: ConfidenceSignals?
    }

    /// What a feedback did.
    public struct FeedbackOutcome: Sendable {
        public var sequence: UInt64
        /// The learning step it set off, if the node's buffer became full.
        public var step: LearningStep?
        public var buffered: Int
        public var bufferSize: Int
        /// The reward was negative and the store's `negativeWeight` is 0: the answer joined the
        /// node's rejected answers and nothing was buffered.
        public var memoryOnly: Bool
        /// SAGE's judgement of the interaction, when the store has a trigger.
        public var trigger: TriggerFired?
        /// The LoRA searches it made due (SAGE's store), in order.
        public var searches: [AdapterTrained] = []
    }

    /// Opens `branch` of the log `writer` writes. An empty branch gets its `StoreCreated` now,
    /// with `config` and `seed`; an existing one must have been made with the same model and
    /// embedder. A node whose buffer is full (an update interrupted by a crash) learns now.
    public init(writer: any HistoryWriter, branch: String = "main", models: EngineModels, config: EngineConfig = EngineConfig(),
                seed: UInt64 = 0, generations: GenerationCache = GenerationCache()) throws {
        self.writer = writer
        self.generations = generations
        self.models = models
        self.branch = branch
        opened = try Replay.run(writer.history, branch: branch)
        state = opened.state
        head = opened.sequence
        if let created = state.created {
            warnings = try models.check(created)
            for id in state.nodes.keys.sorted() where state.nodes[id]!.buffer.count >= created.config.bufferSize {
                try learn(node: id)
            }
            try searchDue()
        } else {
            guard head == 0 else { throw EngineError(.inconsistent, "branch '\(branch)' has events but no StoreCreated") }
            if let targets = config.loraStore?.targets { _ = try EngineModels.sites(targets, layers: 1) }  // names the model knows
            do {
                try append([.storeCreated(StoreCreated(
                    modelFingerprint: models.fingerprint, model: URL(fileURLWithPath: models.language.path).lastPathComponent,
                    embedder: models.embedder.name, threads: models.threads, blasCore: models.blasCore, seed: seed, config: config,
                    weights: models.language.model.storage, learningKernel: TrainingProducts.best.recordedName))])
            } catch let error as LogError where error.code == .conflict {
                // Another worker of a shared store created it first: take its set-up, if it fits.
                try catchUp()
                guard let created = state.created else { throw EngineError(.inconsistent, "branch '\(branch)' has events but no StoreCreated") }
                warnings = try models.check(created)
            }
        }
    }

    public var config: EngineConfig { state.created!.config }

    // MARK: Asking

    /// Embeds `prompt`, routes it, answers with the node's adapter, and records it. An empty
    /// prompt, or one that leaves the model no room to answer, is refused before anything runs.
    /// `request` asks beyond the store's policy (a system message, sampling); `onText` sees the
    /// answer's text as it is generated, when it can (see `Answering.answer`).
    public func ask(_ prompt: String, request: AnswerRequest? = nil, onText: (String) -> Void = { _ in }) throws -> Answer {
        try withoutActuallyEscaping(onText) { onText in try ask([Question(prompt, request: request, onText: onText)])[0] }
    }

    /// Refuses what `ask` cannot answer, before anything runs: an empty prompt (EngineError), a
    /// request out of range (EngineError), a prompt that leaves `language` no room to answer
    /// (ModelError). The server calls it before a request waits for its turn.
    public static func checkAskable(_ prompt: String, request: AnswerRequest?, language: LanguageModel) throws {
        guard !prompt.allSatisfy(\.isWhitespace) else { throw EngineError(.invalidRequest, "the prompt is empty: there is nothing to answer") }
        try request?.check("the request")
        _ = try language.promptTokens(for: prompt, context: request?.context ?? ChatContext())
    }

    /// Routes an embedded prompt and records the interaction with the answer `provide` gives
    /// for its plan. `ask` generates; a rollback passes the recorded answer when the plan is
    /// the one it was recorded under.
    public func record(prompt: String, embedding: [Float], interaction: Int, request: AnswerRequest? = nil,
                       provide: (AnswerPlan) throws -> RecordedAnswer) throws -> Answer {
        // Routed again on the state another worker's appends made: an answer generated for
        // another plan (another node's adapter) is generated again by `provide`.
        try retryingOnConflict { try recordOnce(prompt: prompt, embedding: embedding, interaction: interaction, request: request, provide: provide) }
    }

    private func recordOnce(prompt: String, embedding: [Float], interaction: Int, request: AnswerRequest?,
                            provide: (AnswerPlan) throws -> RecordedAnswer) throws -> Answer {
        guard state.interactions[interaction] == nil else { throw EngineError(.invalidRequest, "interaction \(interaction) already exists") }
        let (plan, routed) = Self.plan(prompt: prompt, embedding: embedding, interaction: interaction, request: request, in: state,
                                       threshold: config.similarityThreshold, expert: try dispatch(prompt, embedding: embedding, request: request))
        var events = [routed.event]
        let existing = state.nodes[plan.node]
        let similarity = routed.similarity
        let answer = try provide(plan)
        let nearestCluster = state.buffer.nearest(to: embedding)?.similarity
        let signals = answer.confidence.map { AnswerSignals($0, nearestNode: routed.nearest, nearestCluster: nearestCluster) }
        events.append(.interactionRecorded(InteractionRecorded(
            interaction: interaction, prompt: prompt, response: answer.text, node: plan.node, embedding: Vector(embedding),
            similarity: similarity, adapter: plan.adapter, sampling: answer.sampling, promptTokens: answer.promptTokens,
            responseTokens: answer.responseTokens, request: plan.request, signals: signals, clusterAdapter: plan.clusterAdapter, expert: plan.expert,
            knowledge: plan.knowledge)))
        let sequences = try append(events)
        return Answer(interaction: interaction, node: plan.node, createdNode: existing == nil, similarity: similarity, text: answer.text,
                      adapter: plan.adapter, clusterAdapter: plan.clusterAdapter, expert: plan.expert, sequences: sequences, promptTokens: answer.promptTokens, responseTokens: answer.responseTokens,
                      maxTokens: answer.sampling.maxTokens)
    }

    /// How a prompt was routed: the event (`NodeCreated` or `NodeUpdated`), the similarity the
    /// interaction records (1 for the node it created), and its similarity to the nearest node
    /// there was (nil when there was none).
    typealias Routed = (event: DomainEvent, similarity: Float, nearest: Float?)

    /// The plan of an interaction routed in `state`, and how it was routed. Routing depends on
    /// the embedding and the nodes alone, so a batch knows every plan before any answer is
    /// generated.
    static func plan(prompt: String, embedding: [Float], interaction: Int, request: AnswerRequest?, in state: EngineState,
                     threshold: Float, expert: ExpertUse? = nil) -> (plan: AnswerPlan, routed: Routed) {
        let route = Routing.route(embedding, in: state, threshold: threshold)
        let routed: Routed
        switch route {
        case .new(let node, let nearest, let nearestSimilarity):
            routed = (.nodeCreated(NodeCreated(node: node, interaction: interaction, embedding: Vector(embedding),
                                               nearest: nearest, similarity: nearestSimilarity)), 1, nearestSimilarity)
        case .existing(let node, let best, let centroid, let count):
            routed = (.nodeUpdated(NodeUpdated(node: node, interaction: interaction, centroid: Vector(centroid), count: count)), best, best)
        }
        let existing = state.nodes[route.node]
        let plan = AnswerPlan(interaction: interaction, prompt: prompt, node: route.node, adapter: existing?.adapterBlob,
                              rejected: existing?.rejectedResponses ?? [], request: request, clusterAdapter: state.clusterAdapter(for: embedding),
                              expert: expert, knowledge: state.knowledge.adapter)
        return (plan, routed)
    }

    /// Generates the answer for `plan` with the node's adapted model.
    public func answer(_ plan: AnswerPlan, onText: (String) -> Void = { _ in }) throws -> RecordedAnswer {
        let (generation, sampling) = try Answering.answer(plan, maxTokens: config.maxTokens, storeSeed: state.created!.seed, cache: generations,
                                                          onText: onText) {
            try languageModel(plan.stack)
        }
        return RecordedAnswer(generation, sampling: sampling)
    }

    /// The chat model with `stack` merged in (the last one is kept: consecutive answers on
    /// one node merge once).
    public func languageModel(_ stack: AdapterStack) throws -> LanguageModel {
        guard !stack.isBase else { return models.language }
        if let cached = adaptedModel, cached.stack == stack { return cached.model }
        let model = try models.adapted(stack, blob: blob)
        adaptedModel = (stack, model)
        return model
    }

    // MARK: Feedback and learning

    /// Records `reward` for `interaction`, and `correction` (the right answer) when given;
    /// when the node's buffer is full, learns from it; then runs the LoRA searches it made due,
    /// telling `searchProgress` each one's (cluster, optimiser steps done, total).
    @discardableResult
    public func feedback(interaction: Int, reward: Float, source: String = "user", correction: String? = nil,
                         searchProgress: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> FeedbackOutcome {
        try Limits.reward.check(reward, "the reward")
        if let correction { try checkCorrection(correction, "the correction") }
        if state.interactions[interaction] == nil { try catchUp() }  // answered by another worker of a shared store
        let feedback = FeedbackRecorded(interaction: interaction, reward: reward, source: source, correction: correction)
        let (recorded, judged, sequence) = try retryingOnConflict { () throws -> (EngineState.Interaction, [DomainEvent], UInt64) in
            guard let recorded = state.interactions[interaction] else {
                let known = state.interactions.isEmpty ? "the store has no interactions yet" : "the store has interactions 1 to \(state.nextInteraction - 1)"
                throw EngineError(.invalidRequest, "no interaction \(interaction) on branch '\(branch)' (\(known))")
            }
            let judged = trigger(on: feedback)
            // The feedback is the record's first event: its sequence is what rollback --exclude takes.
            return (recorded, judged, try append([.feedbackRecorded(feedback)] + judged).lowerBound)
        }
        let buffered = state.nodes[recorded.node]!.buffer.count
        let memoryOnly = !config.learnsFrom(reward: reward, corrected: correction != nil)
        var outcome = FeedbackOutcome(sequence: sequence, step: nil, buffered: buffered, bufferSize: config.bufferSize, memoryOnly: memoryOnly)
        if case .triggerFired(let fired)? = judged.first { outcome.trigger = fired }
        if !memoryOnly, buffered >= config.bufferSize {
            // On a shared store another worker may learn from the same full buffer first.
            outcome.step = try retryingOnConflict { state.nodes[recorded.node]!.buffer.count >= config.bufferSize ? try learn(node: recorded.node) : nil }
            outcome.buffered = 0
        }
        outcome.searches = try searchDue(progress: searchProgress)
        return outcome
    }

    /// Runs the LoRA searches that are due (SAGE's store), each its own record, written once
    /// its kept adapter's blob is durable, as a learning step's is. `progress` sees each
    /// search's (cluster, optimiser steps done, total).
    @discardableResult
    public func searchDue(progress: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> [AdapterTrained] {
        var searches: [AdapterTrained] = []
        while let cluster = state.searchesDue.first {
            let done = try retryingOnConflict { () throws -> AdapterTrained? in
                guard state.searchesDue.first == cluster else { return nil }  // another worker searched it first
                let search = try LoRASearch.run(cluster: cluster, in: state, language: models.language, cache: generations) { progress(cluster, $0, $1) }
                if let blob = search.keptBlob { _ = try storeBlob(blob) }
                try append([.adapterTrained(search.event)])
                return search.event
            }
            if let done { searches.append(done) }
        }
        return searches
    }

    /// Runs the node's learning step on its buffer and records the trigger and the result.
    @discardableResult
    public func learn(node: Int) throws -> LearningStep {
        let step = try LearningStep.run(node: node, in: state, models: models, blob: blob)
        let buffer = state.nodes[node]!.buffer
        let trigger = DomainEvent.triggerFired(TriggerFired(interaction: buffer.last!.interaction, scores: ["buffered": Float(buffer.count)],
                                                            threshold: Float(config.bufferSize)))
        if let rejection = step.rejection {
            try append([trigger, .updateRejected(UpdateRejected(node: node, reason: rejection, interactions: step.interactions, metrics: step.metrics))])
        } else {
            let adapter = try storeBlob(step.adapterBlob), optimizer = try storeBlob(step.optimizerBlob)
            try append([trigger, .adapterUpdated(AdapterUpdated(node: node, method: LearningStep.method, adapterBlob: adapter,
                                                                optimizerBlob: optimizer, loss: step.loss, interactions: step.interactions))])
        }
        return step
    }

    // MARK: Snapshots

    /// Writes a snapshot of the current state as a blob and announces it in the log.
    @discardableResult
    public func snapshot() throws -> SnapshotTaken {
        let taken = try Snapshot.write(state, at: head, to: writer, branch: branch)
        head += 1
        return taken
    }

    // MARK: The log

    /// Appends `events` as one record, after checking each against `Limits`, folding them into
    /// a scratch copy of the state and encoding them: a history the projection would refuse,
    /// or a value the log cannot hold, is never written. A sample entering SAGE's buffer runs a
    /// round in the fold, and a LoRA search updates the pool; the events they derive (cluster
    /// changes, retirements) join the record, so each runs once.
    @discardableResult
    public func append(_ events: [DomainEvent]) throws -> ClosedRange<UInt64> {
        var next = state
        var events = events
        var index = 0
        while index < events.count {
            try events[index].checkInput()
            try next.apply(events[index])
            if events[index].derives { events.insert(contentsOf: next.pending, at: index + 1) }
            index += 1
        }
        let drafts = try events.map { event throws(EngineError) in try event.draft() }
        let sequences = try writer.append(drafts, to: branch, expectedHead: head)
        state = next
        head = sequences.upperBound
        return sequences
    }

    // MARK: Sharing a store

    /// How many times a decision is made again after another worker appended first.
    public static let conflictRetries = 8
    /// Appends this engine lost to another worker's and decided again, since it opened.
    public private(set) var conflicts = 0

    /// Folds what other workers appended to the branch since this engine's head (a shared
    /// store); returns how many events that was. A writer alone has nothing to catch up.
    @discardableResult
    public func catchUp() throws -> Int {
        let now = try writer.history.head(of: branch)
        guard now > head else { return 0 }
        var next = state, count = 0
        try writer.history.forEachEvent(branch: branch, from: head + 1, through: now) { event in
            try next.fold(event)
            count += 1
        }
        state = next
        head = now
        return count
    }

    /// Runs `attempt`, which decides from `state` and appends; when a shared store's branch
    /// moved first (`.conflict`), catches up and runs it again, so the decision is made anew
    /// on the new state. Gives up with a clear error after `conflictRetries` tries.
    func retryingOnConflict<T>(_ attempt: () throws -> T) throws -> T {
        var conflicts = 0
        while true {
            do {
                return try attempt()
            } catch let error as LogError where error.code == .conflict {
                conflicts += 1
                self.conflicts += 1
                guard conflicts <= Self.conflictRetries else {
                    throw EngineError(.storage, "gave up after \(conflicts) conflicts: other workers kept appending to '\(branch)' first (\(error.message))")
                }
                try catchUp()
            }
        }
    }

    func blob(_ hex: String) throws -> [UInt8] {
        try writer.history.blob(hex: hex)
    }

    func storeBlob(_ bytes: [UInt8]) throws -> String {
        try writer.putBlob(bytes).hex
    }
}

extension Engine.RecordedAnswer {
    /// A generated answer, sampled as `sampling` records.
    init(_ generation: Generation, sampling: SamplingRecord) {
        self.init(text: generation.text, sampling: sampling, promptTokens: generation.promptTokens.count,
                  responseTokens: generation.tokens.count, confidence: generation.confidence)
    }
}

extension Engine {
    /// The `StoreCreated` of `branch` in `store`, or nil for an empty branch: what to load the
    /// models with before opening an engine.
    public static func storeCreated(in store: any EventHistory, branch: String = "main") throws -> StoreCreated? {
        guard try store.head(of: branch) >= 1, let first = try store.events(branch: branch, through: 1).first else { return nil }
        guard case .storeCreated(let created) = try DomainEvent(first) else {
            throw EngineError(.inconsistent, "the first event of '\(branch)' is \(first.type), not StoreCreated: not a GESAL store")
        }
        return created
    }
}
