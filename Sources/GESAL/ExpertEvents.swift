/// Transformer²'s library of SVF experts as events (docs/transformer2.md, docs/events.md). An
/// expert is trained once, on one task's training items, and is then a named adapter the store
/// keeps: `ExpertTrained` records what it learned from and how (the items themselves, so the
/// record needs no word list or generator to be re-executed or audited), the validation curve
/// and the checkpoint kept. A node's learned adapter can join the library (`ExpertPromoted`),
/// and any expert can leave it (`ExpertRetired`); names are never reused, so an old answer's
/// expert name always means one adapter.

/// How an expert is trained. Recorded whole in `ExpertTrained`: `replay --reexecute` trains
/// again from it and the recorded items.
public struct ExpertSettings: Sendable, Equatable, Codable {
    /// What an expert trains on. Transformer²'s published objective is `reinforce`: one greedy
    /// answer per prompt, rewarded +1 when the checker accepts it and -1 when not. `reinforce+reference`
    /// adds each training item's true answer as a +1 sample (a supervised term under the same KL
    /// penalty), which a small model that almost never answers right needs. `baseline+reference`
    /// also subtracts the batch's mean reward from each answer's (REINFORCE with a baseline):
    /// when every answer of a batch is wrong, none is pushed down, and only the references teach
    /// (docs/transformer2.md has the three measured).
    public enum Objective: String, Sendable, Codable, CaseIterable {
        case reinforce
        case reinforceReference = "reinforce+reference"
        case baselineReference = "baseline+reference"

        /// Whether each prompt's true answer joins as a +1 sample.
        public var usesReference: Bool { self != .reinforce }

        /// The rewards the answers of one batch train with, from whether each was right (+1/-1).
        public func rewards(_ correct: [Bool]) -> [Float] {
            let raw = correct.map { $0 ? Float(1) : -1 }
            guard self == .baselineReference, !raw.isEmpty else { return raw }
            let mean = raw.reduce(0, +) / Float(raw.count)
            return raw.map { $0 - mean }
        }
    }

    /// The task's name (`TaskGenerators.families`).
    public var task: String
    /// Items generated before the three-way split, and the seed of both.
    public var items: Int
    public var itemSeed: UInt64
    /// "transformerSquared" (sigmoid with the singular values' mass kept) or "gesal".
    public var composition: String
    public var objective: Objective
    /// Optimiser steps, each over `batch` training prompts (in an order drawn from `seed`).
    public var steps: Int
    public var batch: Int
    public var learningRate: Float
    public var klWeight: Float
    /// Steps between validations (the last step is always validated).
    public var validateEvery: Int
    /// The longest answer, in tokens, for rollouts and validation.
    public var maxTokens: Int
    public var seed: UInt64

    public init(task: String, items: Int = 300, itemSeed: UInt64 = 1, composition: String = "transformerSquared",
                objective: Objective = .baselineReference, steps: Int = 30, batch: Int = 8, learningRate: Float = 1e-2,
                klWeight: Float = 0.1, validateEvery: Int = 5, maxTokens: Int = 16, seed: UInt64 = 1) {
        self.task = task
        self.items = items
        self.itemSeed = itemSeed
        self.composition = composition
        self.objective = objective
        self.steps = steps
        self.batch = batch
        self.learningRate = learningRate
        self.klWeight = klWeight
        self.validateEvery = validateEvery
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// The steps after which the expert is validated: every `validateEvery`-th and the last.
    public var validatedSteps: [Int] {
        guard steps >= 1, validateEvery >= 1 else { return [] }
        return Array(Set(stride(from: validateEvery, through: steps, by: validateEvery)).union([steps])).sorted()
    }
}

/// One prompt an expert learned from or was validated on, with its true answer.
public struct ExpertItem: Sendable, Equatable, Codable {
    public var prompt: String
    public var answer: String

    public init(prompt: String, answer: String) {
        self.prompt = prompt
        self.answer = answer
    }
}

/// An expert trained on a task and added to the library under `name`.
public struct ExpertTrained: Sendable, Equatable, Codable {
    public static let typeName = "ExpertTrained.v1"

    /// The expert after `step` optimiser steps (step 0: before any, the base model's behaviour).
    public struct Checkpoint: Sendable, Equatable, Codable {
        public var step: Int
        /// The fraction of validation prompts answered right, greedily.
        public var accuracy: Float
        /// The mean training loss of the steps since the last checkpoint (0 at step 0).
        public var loss: Float
        /// SHA-256 of the adapters' encoding at this checkpoint. Only the kept one's blob is
        /// stored; re-execution compares the others by hash.
        public var adapter: String

        public init(step: Int, accuracy: Float, loss: Float, adapter: String) {
            self.step = step
            self.accuracy = accuracy
            self.loss = loss
            self.adapter = adapter
        }
    }

    public var name: String
    public var settings: ExpertSettings
    /// The matrices adapted (the store's SVF targets, every layer).
    public var targets: [String]
    public var training: [ExpertItem]
    public var validation: [ExpertItem]
    /// Step 0, then every validated step.
    public var curve: [Checkpoint]
    /// The index in `curve` of the checkpoint kept: the best validation accuracy, earliest of equals.
    public var kept: Int

    public init(name: String, settings: ExpertSettings, targets: [String], training: [ExpertItem], validation: [ExpertItem],
                curve: [Checkpoint], kept: Int) {
        self.name = name
        self.settings = settings
        self.targets = targets
        self.training = training
        self.validation = validation
        self.curve = curve
        self.kept = kept
    }

    /// The kept adapter's blob hash (`kept` is in `curve` in every event decoded or checked).
    public var adapter: String { curve[kept].adapter }

    /// The checkpoint to keep: the highest accuracy, the earliest of equals (the least moved
    /// from the base model). Nil for an empty curve.
    public static func choice(_ curve: [Checkpoint]) -> Int? {
        var best: Int?
        for (index, checkpoint) in curve.enumerated() where best.map({ checkpoint.accuracy > curve[$0].accuracy }) ?? true {
            best = index
        }
        return best
    }
}

/// How an answer's expert was chosen (`InteractionRecorded.v5`).
public struct ExpertUse: Sendable, Hashable, Codable {
    public var name: String
    public var adapter: String
    /// The dispatch strategy that chose it: "embedding", "prompt" or "classifier".
    public var strategy: String
    /// The embedding strategy's cosine to the expert's centre.
    public var similarity: Float?

    public init(name: String, adapter: String, strategy: String, similarity: Float? = nil) {
        self.name = name
        self.adapter = adapter
        self.strategy = strategy
        self.similarity = similarity
    }
}

/// Which dispatch strategy a store answers with (`EngineConfig.dispatch`).
public struct DispatchSettings: Sendable, Equatable, Codable {
    /// The strategies a store may name.
    public static let strategies = ["none", "embedding", "prompt", "classifier"]
    /// "none", "embedding", "prompt" or "classifier".
    public var strategy: String
    /// The embedding strategy's least cosine to an expert's centre (absent: 0.5).
    public var threshold: Float?

    public init(strategy: String, threshold: Float? = nil) {
        self.strategy = strategy
        self.threshold = threshold
    }

    /// The embedding strategy's default threshold: below the cosine MiniLM gives two prompts of
    /// one template with other numbers or words, above unrelated questions (docs/transformer2.md).
    public static let defaultThreshold: Float = 0.5

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        guard Self.strategies.contains(strategy) else {
            throw EngineError(.invalidRequest, "\(name("dispatch")) is '\(strategy)': \(Self.strategies.joined(separator: ", "))")
        }
        if let threshold { try Limits.similarityThreshold.check(threshold, name("dispatchThreshold")) }
    }
}

/// A node's learned adapter joined the library as an expert (`gesal expert promote`).
public struct ExpertPromoted: Sendable, Equatable, Codable {
    public static let typeName = "ExpertPromoted.v1"
    public var name: String
    public var node: Int
    /// The node's adapter blob when it was promoted.
    public var adapter: String

    public init(name: String, node: Int, adapter: String) {
        self.name = name
        self.node = node
        self.adapter = adapter
    }
}

/// An expert left the library: it is no longer offered to dispatch, and its name stays taken.
public struct ExpertRetired: Sendable, Equatable, Codable {
    public static let typeName = "ExpertRetired.v1"
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}

/// How a few-shot CEM search mixes the library's experts for a task (`gesal expert adapt`).
public struct MixSettings: Sendable, Equatable, Codable {
    /// The target task, its items generated before the split, and their seed; the shots are
    /// the first `shots` items of its training part.
    public var task: String
    public var items: Int
    public var itemSeed: UInt64
    public var shots: Int
    /// Candidates per generation, the best kept to fit the next, and generations.
    public var population: Int
    public var elites: Int
    public var generations: Int
    /// The spread the first generation's α are drawn with (their mean is 1/K).
    public var initialSpread: Float
    /// The longest answer, in tokens, when answering the shots.
    public var maxTokens: Int
    public var seed: UInt64
    /// One α per expert, or one per expert and matrix (nil: per expert, as every search
    /// recorded before the choice existed; absent from the JSON then, so their bytes stand).
    public var granularity: Granularity?

    /// What one α weighs: an expert's vectors at every site, or its vector at one site.
    public enum Granularity: String, Sendable, Codable, CaseIterable {
        case expert, matrix
    }

    /// Whether α has one weight per expert and matrix.
    public var perMatrix: Bool { granularity == .matrix }

    public init(task: String, items: Int = 300, itemSeed: UInt64 = 1, shots: Int = 10, population: Int = 16, elites: Int = 4,
                generations: Int = 8, initialSpread: Float = 0.5, maxTokens: Int = 16, seed: UInt64 = 1, granularity: Granularity? = nil) {
        self.task = task
        self.items = items
        self.itemSeed = itemSeed
        self.shots = shots
        self.population = population
        self.elites = elites
        self.generations = generations
        self.initialSpread = initialSpread
        self.maxTokens = maxTokens
        self.seed = seed
        self.granularity = granularity == .expert ? nil : granularity
    }
}

/// A few-shot CEM search mixed the library's experts, `z' = Σ αₖ zₖ`, for a task none of them
/// was trained on; the mix joined the library under `name`.
public struct ExpertMixed: Sendable, Equatable, Codable {
    public static let typeName = "ExpertMixed.v1"

    /// How a candidate α did on the shots: right answers, then the mean log-probability per
    /// token of the true answers (ties broken by it).
    public struct Fitness: Sendable, Equatable, Codable {
        public var accuracy: Float
        public var logLikelihood: Float

        public init(accuracy: Float, logLikelihood: Float) {
            self.accuracy = accuracy
            self.logLikelihood = logLikelihood
        }

        public func beats(_ other: Fitness) -> Bool {
            accuracy != other.accuracy ? accuracy > other.accuracy : logLikelihood > other.logLikelihood
        }
    }

    /// One generation: the distribution it drew from, its best candidate and the mean accuracy.
    public struct Generation: Sendable, Equatable, Codable {
        public var mean: [Float]
        public var spread: [Float]
        public var best: [Float]
        public var bestFitness: Fitness
        public var meanAccuracy: Float

        public init(mean: [Float], spread: [Float], best: [Float], bestFitness: Fitness, meanAccuracy: Float) {
            self.mean = mean
            self.spread = spread
            self.best = best
            self.bestFitness = bestFitness
            self.meanAccuracy = meanAccuracy
        }
    }

    public var name: String
    public var settings: MixSettings
    /// The experts mixed, in name order, and their adapters.
    public var experts: [String]
    public var adapters: [String]
    public var shots: [ExpertItem]
    public var generations: [Generation]
    /// The best candidate of every generation: its α and fitness. Its mix is the new expert.
    /// Per matrix, α is expert-major: expert k's weight at the i-th site (in site order) is
    /// α[k · sites + i].
    public var alpha: [Float]
    public var fitness: Fitness
    public var adapter: String

    /// The generation whose best candidate is kept: the best fitness, the earliest of equals.
    /// Nil for no generation.
    public static func choice(_ generations: [Generation]) -> Int? {
        var best: Int?
        for (index, generation) in generations.enumerated() where best.map({ generation.bestFitness.beats(generations[$0].bestFitness) }) ?? true {
            best = index
        }
        return best
    }

    /// Each expert's weight in `alpha` (or a generation's α): its α, or per matrix the mean of
    /// its weights over the sites.
    public func expertWeights(_ alpha: [Float]) -> [Float] {
        let sites = max(1, alpha.count / max(1, experts.count))
        return experts.indices.map { k in alpha[(k * sites)..<min(alpha.count, (k + 1) * sites)].reduce(0, +) / Float(sites) }
    }

    /// What α weighs, in words: "α" per expert, "mean α over N matrices" per matrix.
    public var weightsTitle: String {
        settings.perMatrix ? "mean α over \(alpha.count / max(1, experts.count)) matrices" : "α"
    }

    public init(name: String, settings: MixSettings, experts: [String], adapters: [String], shots: [ExpertItem], generations: [Generation],
                alpha: [Float], fitness: Fitness, adapter: String) {
        self.name = name
        self.settings = settings
        self.experts = experts
        self.adapters = adapters
        self.shots = shots
        self.generations = generations
        self.alpha = alpha
        self.fitness = fitness
        self.adapter = adapter
    }
}
