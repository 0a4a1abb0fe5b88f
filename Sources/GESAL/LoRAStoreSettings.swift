/// SAGE's LoRA store, as a store setting (`EngineConfig.loraStore`, with `gesal init
/// --lora-store`): a formed cluster of the buffer that holds enough labelled members gets a
/// search over LoRA settings, and the best candidate that beats the base model on the
/// cluster's validation part joins a pool of at most `poolSize` adapters, to which later
/// prompts within the cluster's reach are routed (docs/sage.md).
///
/// The grid is `ranks` x `learningRates` x `epochs`, in that order. Candidates that differ
/// only in their epochs share one training run: the shorter is the longer one's state after
/// its epochs, so the epochs axis costs no extra training.
public struct LoRAStoreSettings: Sendable, Equatable, Codable {
    /// Labelled members (with a correction, or rewarded +1) a cluster needs before a search;
    /// it is searched again each time they double.
    public var minLabelled: Int
    /// Adapters kept at most; beyond it the one with the smallest validation gain retires.
    public var poolSize: Int
    public var ranks: [Int]
    public var learningRates: [Float]
    public var epochs: [Int]
    /// The matrices a candidate adapts, in every layer ("gate", "up", "down", "q", ...).
    public var targets: [String]
    /// alpha / rank: PEFT's examples and SEAL use 2.
    public var alphaPerRank: Float

    public init(minLabelled: Int = 4, poolSize: Int = 4, ranks: [Int] = [4], learningRates: [Float] = [1e-3, 3e-3], epochs: [Int] = [2, 4],
                targets: [String] = ["gate", "up", "down"], alphaPerRank: Float = 2) {
        self.minLabelled = minLabelled
        self.poolSize = poolSize
        self.ranks = ranks
        self.learningRates = learningRates
        self.epochs = epochs
        self.targets = targets
        self.alphaPerRank = alphaPerRank
    }

    /// One point of the grid.
    public struct Candidate: Sendable, Equatable, Codable {
        public var rank: Int
        public var alpha: Float
        public var learningRate: Float
        public var epochs: Int

        public init(rank: Int, alpha: Float, learningRate: Float, epochs: Int) {
            self.rank = rank
            self.alpha = alpha
            self.learningRate = learningRate
            self.epochs = epochs
        }
    }

    /// The grid in search order: ranks, then learning rates, then epochs (ascending).
    public var candidates: [Candidate] {
        ranks.flatMap { rank in
            learningRates.flatMap { rate in
                epochs.sorted().map { Candidate(rank: rank, alpha: alphaPerRank * Float(rank), learningRate: rate, epochs: $0) }
            }
        }
    }

    /// The seed of a candidate's LoRA (its A factor): from the store's seed, the cluster, the
    /// labelled members the search used and the candidate's rank and learning rate (candidates
    /// that share a training run share it). SplitMix64's finaliser, so nearby inputs give
    /// unrelated seeds.
    public static func seed(store: UInt64, cluster: Int, labelled: Int, candidate: Candidate) -> UInt64 {
        var x = store
        for part in [UInt64(cluster), UInt64(labelled), UInt64(candidate.rank), UInt64(candidate.learningRate.bitPattern)] {
            x = mix(x ^ part &+ 0x9E37_79B9_7F4A_7C15)
        }
        return x
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        // Named as `loraRanks` etc.: `gesal init` spells them --lora-ranks, beside --ranks of nothing else.
        try Limits.minLabelled.check(minLabelled, name("minLabelled"))
        try Limits.poolSize.check(poolSize, name("poolSize"))
        for (axis, values) in [("loraRanks", ranks.map(String.init)), ("loraLearningRates", learningRates.map { "\($0)" }),
                               ("loraEpochs", epochs.map(String.init)), ("loraTargets", targets)] {
            guard !values.isEmpty else { throw EngineError(.invalidRequest, "\(name(axis)) is empty: the grid needs at least one value on each axis") }
            guard Set(values).count == values.count else {
                throw EngineError(.invalidRequest, "\(name(axis)) names a value twice: each is searched or adapted once")
            }
        }
        for rank in ranks { try Limits.loraRank.check(rank, name("loraRanks")) }
        for rate in learningRates { try Limits.learningRate.check(rate, name("loraLearningRates")) }
        for count in epochs { try Limits.loraEpochs.check(count, name("loraEpochs")) }
        try Limits.alphaPerRank.check(alphaPerRank, name("loraAlphaPerRank"))
        try Limits.searchCandidates.check(candidates.count, "the number of candidates (\(name("loraRanks")) x \(name("loraLearningRates")) x \(name("loraEpochs")))")
    }
}
