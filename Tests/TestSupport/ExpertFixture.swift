import EventLog
import GESAL

/// Transformer²'s library without models: an `ExpertTrained` the fold accepts, with the
/// validation accuracies a test chooses, and a store's first events (a node with an adapter).
public enum ExpertFixture {
    public static let created = StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2, blasCore: "Haswell",
                                             seed: 3, config: EngineConfig())

    /// A made-up adapter hash, distinct per name.
    public static func hash(_ name: String) -> String { Hash256.of(Array(name.utf8)).hex }

    /// An expert trained 10 steps, validated every 5: checkpoints at steps 0, 5 and 10 with
    /// `accuracies`, keeping the one the rule chooses.
    public static func trained(_ name: String, accuracies: [Float] = [0.1, 0.4, 0.3]) -> ExpertTrained {
        let settings = ExpertSettings(task: "arithmetic", items: 20, steps: 10, batch: 2, validateEvery: 5)
        let curve = zip(settings.validatedSteps.count == accuracies.count - 1 ? [0] + settings.validatedSteps : [], accuracies).map { step, accuracy in
            ExpertTrained.Checkpoint(step: step, accuracy: accuracy, loss: step == 0 ? 0 : 1, adapter: hash("\(name) step \(step)"))
        }
        return ExpertTrained(name: name, settings: settings, targets: ["gate", "up", "down"],
                             training: [ExpertItem(prompt: "What is 1 + 2?", answer: "3")], validation: [ExpertItem(prompt: "What is 2 + 2?", answer: "4")],
                             curve: curve, kept: ExpertTrained.choice(curve) ?? 0)
    }

    /// A store whose node 1 (made by interaction 1) has learned adapter `adapter`.
    public static func nodeWithAdapter(_ adapter: String = hash("node adapter")) -> [DomainEvent] {
        [.storeCreated(created),
         .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)),
         .interactionRecorded(InteractionRecorded(interaction: 1, prompt: "What is 1 + 2?", response: "4", node: 1, embedding: Vector([1, 0]), similarity: 1,
                                                  adapter: nil, sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                                                  promptTokens: 5, responseTokens: 1)),
         .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "checker")),
         .adapterUpdated(AdapterUpdated(node: 1, method: "reinforce-svf", adapterBlob: adapter, optimizerBlob: hash("optimizer"), loss: 1, interactions: [1]))]
    }

    /// The state after `events`.
    public static func state(_ events: [DomainEvent]) throws -> EngineState {
        var state = EngineState()
        for event in events { try state.apply(event) }
        return state
    }

    /// A CEM mix of `experts` (adapters as `trained` names them) with two generations, whose
    /// fitness is the best generation's; with `sites`, per matrix, one weight per expert and site.
    public static func mixed(_ name: String, of experts: [String], accuracies: [Float] = [0.2, 0.5], sites: Int? = nil) -> ExpertMixed {
        let settings = MixSettings(task: "subtraction", shots: 2, population: 2, elites: 1, generations: accuracies.count,
                                   granularity: sites == nil ? .expert : .matrix)
        let alpha = [Float](repeating: 0.5, count: experts.count * (sites ?? 1))
        let generations = accuracies.map { accuracy in
            ExpertMixed.Generation(mean: alpha, spread: alpha, best: alpha, bestFitness: ExpertMixed.Fitness(accuracy: accuracy, logLikelihood: -1),
                                   meanAccuracy: accuracy / 2)
        }
        let best = generations.map(\.bestFitness).max { $0.accuracy < $1.accuracy }!
        return ExpertMixed(name: name, settings: settings, experts: experts, adapters: experts.map { trained($0).adapter },
                           shots: [ExpertItem(prompt: "What is 9 - 2?", answer: "7"), ExpertItem(prompt: "What is 8 - 3?", answer: "5")],
                           generations: generations, alpha: alpha, fitness: best, adapter: hash("\(name) mix"))
    }
}
