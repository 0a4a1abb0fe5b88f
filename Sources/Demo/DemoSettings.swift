import GESAL

/// What one demo run does: how many letter-counting items, how many passes of checker
/// feedback over the taught half, and the engine settings the store is created with. All of
/// it is written to the results, so a run can be repeated from its JSON.
public struct DemoSettings: Sendable, Codable, Equatable {
    /// Seeds the items, the split and the store (the answers sampled after a rejection).
    public var seed: UInt64
    /// Letter-counting items generated before the taught / held-out split.
    public var items: Int
    /// Passes of checker feedback over the taught items.
    public var passes: Int
    /// Asks of one taught item in one pass: after a wrong answer the user asks again (the
    /// node now avoids the rejected answer), up to this many times.
    public var attempts: Int
    /// Passes of poisoned feedback (wrong answers rewarded, right ones punished).
    public var poisonPasses: Int
    /// The checker says what the right answer was with every -2 (`--corrections`), and a
    /// poisoned -2 comes with a wrong one.
    public var corrections: Bool
    /// How many control questions are scored (nil: all of `TaskGenerators.control`), spread
    /// evenly over the set's families; a smaller number only makes a test run shorter.
    public var controlItems: Int?
    public var config: EngineConfig

    public init(seed: UInt64, items: Int, passes: Int, attempts: Int, poisonPasses: Int, corrections: Bool = false,
                controlItems: Int? = nil, config: EngineConfig) {
        self.seed = seed
        self.items = items
        self.passes = passes
        self.attempts = attempts
        self.poisonPasses = poisonPasses
        self.corrections = corrections
        self.controlItems = controlItems
        self.config = config
    }

    /// The engine settings both modes use; see docs/evaluation.md for how they were chosen.
    /// A node per item (MiniLM puts different words or letters below 0.9); answers cut at 8
    /// tokens, where "The letter "e" appears 2" ends. Negative feedback teaches through the
    /// node's memory of rejected answers only (`negativeWeight` 0): a gradient away from a
    /// whole wrong answer moved its phrasing and hid the number, so nothing right was ever
    /// sampled to reward. A right answer is learned with 3 Adam steps at 1e-2, enough to
    /// make it the node's greedy answer. SAGE's trigger judges every feedback and its buffer
    /// clusters what fired (neither changes what GESAL learns), so the report can say how well
    /// the label-free signals see errors and how the buffer groups them.
    public static let demoConfig = EngineConfig(similarityThreshold: 0.9, bufferSize: 1, learningRate: 1e-2, klWeight: 1, maxTokens: 8,
                                                negativeWeight: 0, updateSteps: 3, trigger: TriggerSettings(), buffer: BufferSettings())

    /// About seven minutes on two cores (four of them scoring the 218 control questions).
    public static func quick(seed: UInt64 = 1) -> DemoSettings {
        DemoSettings(seed: seed, items: 24, passes: 3, attempts: 4, poisonPasses: 1, config: demoConfig)
    }

    /// About sixteen minutes on two cores.
    public static func full(seed: UInt64 = 1) -> DemoSettings {
        DemoSettings(seed: seed, items: 120, passes: 5, attempts: 4, poisonPasses: 1, config: demoConfig)
    }

    /// GESAL's protocol with corrections: five rounds, each asking every taught item once, so
    /// an item has at most five feedbacks in all; every -2 says what the right answer was.
    /// KL weight 0.1: at 1, the penalty's pull back to the base model outweighs the
    /// correction's once the correction is likely, and the next step on the same node undoes
    /// it (docs/evaluation.md measures both).
    public func corrected() -> DemoSettings {
        var settings = self
        settings.corrections = true
        settings.passes = 5
        settings.attempts = 1
        settings.config.klWeight = 0.1
        return settings
    }
}
