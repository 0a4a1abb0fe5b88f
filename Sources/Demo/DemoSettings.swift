import GESAL
import Tasks

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
    /// The task families the stream interleaves, `items` of each before the split (nil:
    /// letter counting alone, GESAL's demo). Held-out accuracy is reported per family.
    public var families: [String]?
    /// Fresh items per family the poisoned burst asks, never taught nor held out (nil: the
    /// poison goes over the taught items). SAGE's buffer takes a prompt once, so poison on
    /// taught prompts would never reach its clusters.
    public var poisonItems: Int?

    public init(seed: UInt64, items: Int, passes: Int, attempts: Int, poisonPasses: Int, corrections: Bool = false,
                controlItems: Int? = nil, config: EngineConfig, families: [String]? = nil, poisonItems: Int? = nil) {
        self.seed = seed
        self.items = items
        self.passes = passes
        self.attempts = attempts
        self.poisonPasses = poisonPasses
        self.corrections = corrections
        self.controlItems = controlItems
        self.config = config
        self.families = families
        self.poisonItems = poisonItems
    }

    /// "sage" when the store has SAGE's LoRA store, else "gesal".
    public var system: String { config.loraStore == nil ? "gesal" : "sage" }

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

    /// About nine minutes on two cores (508 to 514 s measured, 2026-12-06).
    public static func full(seed: UInt64 = 1) -> DemoSettings {
        DemoSettings(seed: seed, items: 120, passes: 5, attempts: 4, poisonPasses: 1, config: demoConfig)
    }

    /// SAGE's demo (docs/sage.md): what it learns is the pool's cluster LoRAs alone. Every
    /// distinct prompt gets its own node (threshold 0.999) and no node learns (a buffer of
    /// 10000), so neither GESAL's adapters nor its memory of rejected answers reach a held-out
    /// prompt. The trigger fires on every -2, the buffer clusters those prompts (smallest
    /// cluster 3, which split the task families least in `gesal-bench sage --parts families`),
    /// and a cluster is searched at 4 corrected answers and again each time they double, into a pool of 8.
    public static let sageConfig = EngineConfig(similarityThreshold: 0.999, bufferSize: 10_000, maxTokens: 8, negativeWeight: 0,
                                                correctionWeight: 0, trigger: TriggerSettings(), buffer: BufferSettings(minClusterSize: 3),
                                                loraStore: LoRAStoreSettings(minLabelled: 4, poolSize: 8))

    /// The families SAGE's demo interleaves (its measured figures are on these four).
    public static let sageFamilies = ["arithmetic", "subtraction", "multiplication", "letters"]

    /// SAGE's demo: the four families interleaved, one ask per taught item with the checker's
    /// correction on every -2, then a burst of wrong corrections on fresh items, rolled back.
    public static func sage(quick: Bool, seed: UInt64 = 1) -> DemoSettings {
        DemoSettings(seed: seed, items: quick ? 16 : 100, passes: 1, attempts: 1, poisonPasses: 1, corrections: true,
                     controlItems: quick ? 40 : nil, config: sageConfig, families: sageFamilies, poisonItems: quick ? 4 : 8)
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
