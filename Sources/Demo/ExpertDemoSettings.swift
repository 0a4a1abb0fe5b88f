import Engine
import GESAL

/// What `gesal demo --system transformer2` does: which tasks get an expert and how each is
/// trained, how the classifier is trained, which dispatch strategies are compared, and the
/// few-shot CEM searches on the unseen task. All of it is written to the results, so a run
/// can be repeated from its JSON.
public struct ExpertDemoSettings: Sendable, Codable, Equatable {
    public var seed: UInt64
    /// The library's tasks, one expert each, and the task no expert trains on.
    public var tasks: [String]
    public var unseen: String
    /// How every expert trains; its `task` is replaced by each of `tasks`.
    public var expert: ExpertSettings
    /// Optimiser steps of the classifier (the `dispatch` task); its other settings are `expert`'s.
    public var classifierSteps: Int
    public var strategies: [DispatchStrategy]
    /// The embedding strategy's least cosine.
    public var threshold: Float
    /// The CEM searches on `unseen`: these settings, once per granularity.
    public var mix: MixSettings
    public var granularities: [MixSettings.Granularity]

    public init(seed: UInt64, tasks: [String], unseen: String, expert: ExpertSettings, classifierSteps: Int, strategies: [DispatchStrategy],
                threshold: Float, mix: MixSettings, granularities: [MixSettings.Granularity]) {
        (self.seed, self.tasks, self.unseen, self.expert, self.classifierSteps) = (seed, tasks, unseen, expert, classifierSteps)
        (self.strategies, self.threshold, self.mix, self.granularities) = (strategies, threshold, mix, granularities)
    }

    /// The settings docs/transformer2.md measured: four experts of 30 steps on 300 items a
    /// task, a classifier of 30 steps, CEM with 16 candidates, 4 elites and 8 generations on
    /// 10 shots, per expert and per matrix.
    public static func full(seed: UInt64) -> ExpertDemoSettings {
        ExpertDemoSettings(seed: seed, tasks: ["arithmetic", "letters", "multiplication", "wordlength"], unseen: "subtraction",
                           expert: ExpertSettings(task: "arithmetic", items: 300, itemSeed: seed, seed: seed), classifierSteps: 30,
                           strategies: [.embedding, .prompt, .classifier], threshold: DispatchSettings.defaultThreshold,
                           mix: MixSettings(task: "subtraction", items: 300, itemSeed: seed, seed: seed), granularities: [.expert, .matrix])
    }

    /// Two experts (sums and word lengths, the two the full run shows learning) of 15 steps on
    /// 150 items, a classifier of 10 steps, and CEM with 8 candidates over 4 generations.
    public static func quick(seed: UInt64) -> ExpertDemoSettings {
        var settings = full(seed: seed)
        settings.tasks = ["arithmetic", "wordlength"]
        settings.expert.items = 150
        settings.expert.steps = 15
        settings.classifierSteps = 10
        settings.mix.items = 150
        settings.mix.population = 8
        settings.mix.elites = 2
        settings.mix.generations = 4
        return settings
    }

    /// The store's settings: answers as long as the experts' and embedding dispatch, so that
    /// `gesal ask` on the demo's store answers with the library.
    public var config: EngineConfig {
        var config = EngineConfig(maxTokens: expert.maxTokens)
        config.dispatch = DispatchSettings(strategy: DispatchStrategy.embedding.rawValue, threshold: threshold)
        return config
    }

    /// The expert trained on `task`, named as docs/transformer2.md names them.
    public static func expertName(_ task: String) -> String {
        ["arithmetic": "adder", "letters": "counter", "multiplication": "times", "wordlength": "lengths", ExpertTraining.classificationTask: "router"][task] ?? task
    }

    /// The CEM mix of one granularity (for the unseen task, subtraction).
    public static func mixName(_ granularity: MixSettings.Granularity) -> String {
        granularity == .expert ? "minus" : "minus-matrix"
    }

    /// The settings of the expert trained on `task`.
    public func expertSettings(_ task: String) -> ExpertSettings {
        var settings = expert
        settings.task = task
        if task == ExpertTraining.classificationTask { settings.steps = classifierSteps }
        return settings
    }

    /// The settings of the CEM search of one granularity.
    public func mixSettings(_ granularity: MixSettings.Granularity) -> MixSettings {
        var settings = mix
        settings.task = unseen
        settings.granularity = granularity == .expert ? nil : granularity
        return settings
    }

    /// Refuses settings the engine would refuse, before a store is made or a model loads.
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        for task in tasks + [ExpertTraining.classificationTask] { try expertSettings(task).validate(naming: name) }
        for granularity in granularities { try mixSettings(granularity).validate(naming: name) }
        guard !tasks.isEmpty, Set(tasks).count == tasks.count, !tasks.contains(unseen) else {
            throw EngineError(.invalidRequest, "the library's tasks \(tasks) must be distinct and leave out the unseen task \(unseen)")
        }
    }
}
