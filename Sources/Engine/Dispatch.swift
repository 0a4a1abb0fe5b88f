import EventLog
import GESAL
import Models
import Tasks
import Tensor

/// Transformer²'s first pass: which expert of the library answers a prompt (docs/transformer2.md).
/// Every strategy may also choose none (the base model).
public enum DispatchStrategy: String, Sendable, CaseIterable, Codable {
    /// The base model always.
    case none
    /// The model itself classifies the prompt, with a prompt naming the experts' tasks and
    /// "other" (Transformer²'s prompt-based dispatch); "other" or no category is the base model.
    case prompt
    /// Ours: the expert whose training prompts' mean MiniLM embedding is nearest, when its
    /// cosine reaches the threshold.
    case embedding
    /// The classification prompt answered by the library's classifier: an expert trained by
    /// REINFORCE to name the task of the experts' training prompts (`gesal expert train NAME
    /// --task dispatch`). Without a classifier it is the prompt strategy.
    case classifier
}

/// What dispatch chose for one prompt, and why.
public struct DispatchDecision: Sendable, Equatable, Codable {
    public var strategy: DispatchStrategy
    /// The expert's name; nil for the base model.
    public var expert: String?
    /// The embedding strategy's cosine to each expert's centre.
    public var scores: [String: Float]?
    /// The prompt strategy's reply.
    public var reply: String?
}

/// Chooses experts of a library for prompts. The library's trained experts are the candidates
/// (a promoted node adapter has no task to describe or training prompts to embed: dispatch
/// leaves it to the graph memory that made it).
public struct Dispatcher {
    public struct Candidate: Sendable {
        public var name: String
        public var task: String
        public var adapter: String
        /// The mean embedding of its training prompts.
        public var centre: [Float]
    }

    public let candidates: [Candidate]
    /// The classifier's adapter, if the library has one, and the model with it merged.
    public let classifier: String?
    let classifierModel: LanguageModel?
    public let models: EngineModels
    /// The embedding strategy's least cosine to a centre.
    public var threshold: Float

    /// The candidates of `trained` (the active trained experts' events), each centre embedded
    /// now; an expert trained on the classification task is the classifier (the last one),
    /// merged now from its blob (`blob` reads one).
    public init(trained: [ExpertTrained], models: EngineModels, threshold: Float = DispatchSettings.defaultThreshold,
                blob: (String) throws -> [UInt8] = { _ in [] }) throws {
        self.models = models
        self.threshold = threshold
        classifier = trained.last { $0.settings.task == ExpertTraining.classificationTask }?.adapter
        classifierModel = try classifier.map { try models.adapted(blob($0)) }
        candidates = trained.filter { $0.settings.task != ExpertTraining.classificationTask }.sorted { $0.name < $1.name }.map { expert in
            let embeddings = expert.training.map { models.embedder.embed($0.prompt) }
            let centre = embeddings.dropFirst().reduce(embeddings[0]) { zip($0, $1).map(+) }.map { $0 / Float(embeddings.count) }
            return Candidate(name: expert.name, task: expert.settings.task, adapter: expert.adapter, centre: centre)
        }
    }

    /// The dispatcher of the library `state` holds (read from `log`'s `branch`), with the
    /// threshold its store was made with: what `ask` and an evaluation of the store use.
    public static func library(of state: EngineState, log: any EventHistory, branch: String, models: EngineModels) throws -> Dispatcher {
        try Dispatcher(trained: ExpertRecords.active(in: log, branch: branch, state: state), models: models,
                       threshold: state.created?.config.dispatch?.threshold ?? DispatchSettings.defaultThreshold, blob: { try log.blob(hex: $0) })
    }

    /// The decision for each prompt, in order.
    public func decide(_ prompts: [String], strategy: DispatchStrategy) -> [DispatchDecision] {
        switch strategy {
        case .none: prompts.map { _ in DispatchDecision(strategy: .none) }
        case .embedding: prompts.map { byEmbedding(models.embedder.embed($0)) }
        case .prompt: byPrompt(prompts, strategy: .prompt)
        case .classifier: byPrompt(prompts, strategy: .classifier)
        }
    }

    /// The decision for one prompt whose embedding is known (the engine's, made for routing).
    public func decide(_ prompt: String, embedding: [Float], strategy: DispatchStrategy) -> DispatchDecision {
        strategy == .embedding ? byEmbedding(embedding) : decide([prompt], strategy: strategy)[0]
    }

    /// The expert a decision chose, as an interaction records it.
    public func use(_ decision: DispatchDecision) -> ExpertUse? {
        guard let name = decision.expert, let candidate = candidates.first(where: { $0.name == name }) else { return nil }
        return ExpertUse(name: name, adapter: candidate.adapter, strategy: decision.strategy.rawValue, similarity: decision.scores?[name])
    }

    func byEmbedding(_ embedding: [Float]) -> DispatchDecision {
        let scores = Dictionary(uniqueKeysWithValues: candidates.map { ($0.name, Ops.cosine(embedding, $0.centre)) })
        let best = candidates.max { (scores[$0.name]!, $1.name) < (scores[$1.name]!, $0.name) }  // ties to the first name
        let chosen = best.flatMap { scores[$0.name]! >= threshold ? $0.name : nil }
        return DispatchDecision(strategy: .embedding, expert: chosen, scores: scores)
    }

    /// The classification prompt: the categories are the candidates' tasks, described, and "other".
    public func classificationPrompt(_ prompt: String) -> String {
        Self.classificationPrompt(prompt, tasks: candidates.map(\.task))
    }

    /// The classification prompt naming `tasks` (in order), described, and "other".
    static func classificationPrompt(_ prompt: String, tasks: [String]) -> String {
        let categories = tasks.map { "\($0) (\(TaskGenerators.descriptions[$0] ?? $0))" } + ["other (anything else)"]
        return "Which kind of question is the one below? The kinds are: " + categories.joined(separator: ", ")
            + ". Reply with the name of the kind only.\n\nQuestion: " + prompt
    }

    /// The model (or, for the classifier strategy, the classifier) classifies every prompt,
    /// greedily, in one batch; the first category named in its reply (as a whole word) wins,
    /// and "other" or none is the base model.
    func byPrompt(_ prompts: [String], strategy: DispatchStrategy) -> [DispatchDecision] {
        let parameters = SamplingParameters(maxTokens: 8)
        let model = strategy == .classifier ? classifierModel ?? models.language : models.language
        let replies = model.generate(prompts.map { GenerationRequest(prompt: classificationPrompt($0), parameters: parameters) })
        return replies.map { DispatchDecision(strategy: strategy, expert: expert(namedIn: $0.text), reply: $0.text) }
    }

    /// The expert whose task a classification reply names first, as a whole word; nil when it
    /// names "other" first, or nothing.
    func expert(namedIn reply: String) -> String? {
        for word in reply.lowercased().split(whereSeparator: { !$0.isLetter }) {
            if word == "other" { return nil }
            if let candidate = candidates.first(where: { $0.task == word }) { return candidate.name }
        }
        return nil
    }
}
