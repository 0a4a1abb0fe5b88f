/// SAGE's LoRA store as events (docs/events.md, docs/sage.md). A search over LoRA settings for
/// one cluster is one record, written once the kept adapter's blob is durable; the pool's
/// retirements it causes follow in the same record. The fold checks that a search used the
/// cluster's labelled members, split as the rule says, the store's grid and seeds, and that
/// its choice follows from the figures; `replay --reexecute` trains every candidate again.

/// A search for `cluster`: every candidate's settings and figures, and the one kept, if any
/// beat the base model on the validation part.
public struct AdapterTrained: Sendable, Equatable, Codable {
    public static let typeName = "AdapterTrained.v1"

    /// How answers to the validation prompts compare with their targets.
    public struct Score: Sendable, Equatable, Codable {
        /// The fraction of validation prompts whose greedy answer equals the target after
        /// SQuAD's normalisation (`TextAgreement`).
        public var exactMatch: Float
        /// The mean over validation prompts of the target tokens' mean negative log-probability.
        public var loss: Float
        /// The greedy answers, in validation order (what an audit shows).
        public var answers: [String]

        public init(exactMatch: Float, loss: Float, answers: [String]) {
            self.exactMatch = exactMatch
            self.loss = loss
            self.answers = answers
        }

        /// Whether this score beats `other`: more exact matches, or as many and a lower loss.
        public func beats(_ other: Score) -> Bool {
            exactMatch != other.exactMatch ? exactMatch > other.exactMatch : loss < other.loss
        }
    }

    public struct Candidate: Sendable, Equatable, Codable {
        public var settings: LoRAStoreSettings.Candidate
        public var seed: UInt64
        /// The mean training loss of the last epoch.
        public var trainingLoss: Float
        public var score: Score
        /// SHA-256 of the adapter's encoding. Only the kept candidate's blob is stored; the
        /// others are trained again by `replay --reexecute`, which compares this hash.
        public var adapter: String

        public init(settings: LoRAStoreSettings.Candidate, seed: UInt64, trainingLoss: Float, score: Score, adapter: String) {
            self.settings = settings
            self.seed = seed
            self.trainingLoss = trainingLoss
            self.score = score
            self.adapter = adapter
        }
    }

    public var cluster: Int
    /// The labelled members trained on and scored on, in the order they entered the buffer.
    public var training: [Int]
    public var validation: [Int]
    public var targets: [String]
    public var base: Score
    public var candidates: [Candidate]
    /// The index of the kept candidate; nil when none beat the base model.
    public var chosen: Int?

    public init(cluster: Int, training: [Int], validation: [Int], targets: [String], base: Score, candidates: [Candidate], chosen: Int?) {
        self.cluster = cluster
        self.training = training
        self.validation = validation
        self.targets = targets
        self.base = base
        self.candidates = candidates
        self.chosen = chosen
    }

    /// The kept adapter's blob, if one was kept.
    public var adapter: String? { chosen.map { candidates[$0].adapter } }

    /// The best candidate by score (the first of equals), when it beats the base model.
    public static func choice(base: Score, candidates: [Candidate]) -> Int? {
        var best: Int?
        for (index, candidate) in candidates.enumerated() where best.map({ candidate.score.beats(candidates[$0].score) }) ?? true {
            best = index
        }
        return best.flatMap { candidates[$0].score.beats(base) ? $0 : nil }
    }
}

/// A pool adapter stopped being used: its cluster ended (merged or dissolved), a later search
/// of its cluster replaced it, or the pool was over its size and it had the smallest gain.
public struct AdapterRetired: Sendable, Equatable, Codable {
    public static let typeName = "AdapterRetired.v1"
    public enum Reason: String, Sendable, Codable {
        case clusterEnded
        case replaced
        case poolFull
    }
    public var cluster: Int
    public var adapter: String
    public var reason: Reason

    public init(cluster: Int, adapter: String, reason: Reason) {
        self.cluster = cluster
        self.adapter = adapter
        self.reason = reason
    }
}

/// The cluster adapter an answer ran with, beside its node's (`InteractionRecorded.v4`).
public struct ClusterAdapterUse: Sendable, Hashable, Codable {
    public var cluster: Int
    public var adapter: String
    /// The prompt's cosine to the cluster's centre.
    public var similarity: Float

    public init(cluster: Int, adapter: String, similarity: Float) {
        self.cluster = cluster
        self.adapter = adapter
        self.similarity = similarity
    }
}
