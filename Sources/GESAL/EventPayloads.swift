/// The payloads of GESAL's domain events (docs/events.md says why each exists).

import Tensor

/// How the engine learns; fixed when the store is created.
public struct EngineConfig: Sendable, Equatable, Codable {
    /// A prompt whose best cosine similarity to every node is below this gets a new node.
    public var similarityThreshold: Float
    /// Feedback collected on a node before it learns (1: learn at once).
    public var bufferSize: Int
    public var learningRate: Float
    public var klWeight: Float
    /// "gesal" or "transformerSquared".
    public var composition: String
    /// SVF targets, e.g. ["gate", "up", "down"].
    public var svfTargets: [String]
    /// The longest answer, in tokens.
    public var maxTokens: Int
    /// The regression guard: when set, an update whose control-set score (mean log-probability
    /// per token of the reference answers) falls by more than this is rejected.
    public var guardTolerance: Float?
    /// The optimiser of the SVF update: "adam" (when absent) or "sgd". Adam's first steps move
    /// every parameter by the learning rate whatever its gradient; SGD moves each in
    /// proportion to it (docs/evaluation.md measures both).
    public var optimizer: String?
    /// How much a negative reward's REINFORCE term counts, relative to GESAL's (1 when absent:
    /// the loss doubled for r < 0). 0 leaves negative feedback to the node's memory of
    /// rejected answers: it is not buffered and sets off no learning step. A whole-answer
    /// gradient away from a wrong answer also moves its phrasing, not just its mistake
    /// (docs/evaluation.md measures both).
    public var negativeWeight: Float?
    /// Optimiser steps per learning step, each over the whole buffer (1 when absent).
    public var updateSteps: Int?
    /// The longest learning sequence, prompt and answer tokens together
    /// (`defaultLearningTokens` when absent). A learning step on a longer one is recorded as
    /// `UpdateRejected`, never run: its memory grows with the square of the length.
    public var learningTokens: Int?
    /// How much a correction's supervised term counts in a node's learning step (1 when
    /// absent): the node's known right answers are trained on as rewarded samples of this
    /// weight, beside GESAL's REINFORCE term on the buffered answers. 0 keeps corrections as
    /// memory only (docs/learning.md).
    public var correctionWeight: Float?
    /// SAGE's trigger: when set, every feedback is judged (`TriggerFired.v2`); absent in
    /// stores made before it, and when off (docs/sage.md).
    public var trigger: TriggerSettings?
    /// SAGE's buffer: when set (with a trigger), the interactions the trigger fires on are
    /// clustered by their prompts (`BufferSampleAdded`, `ClusterFormed`, ...; docs/sage.md).
    public var buffer: BufferSettings?
    /// SAGE's LoRA store: when set (with a buffer), formed clusters with enough labelled
    /// members get a LoRA search, and later prompts near them their adapter (docs/sage.md).
    public var loraStore: LoRAStoreSettings?
    /// Transformer²'s dispatch: which expert of the library answers each prompt, beneath the
    /// node's adapter (docs/transformer2.md). Absent: none, as every store before it.
    public var dispatch: DispatchSettings?

    public init(similarityThreshold: Float = 0.7, bufferSize: Int = 1, learningRate: Float = 2e-3, klWeight: Float = 1,
                composition: String = "gesal", svfTargets: [String] = ["gate", "up", "down"], maxTokens: Int = 48,
                guardTolerance: Float? = nil, optimizer: String? = nil, negativeWeight: Float? = nil, updateSteps: Int? = nil,
                learningTokens: Int? = nil, correctionWeight: Float? = nil, trigger: TriggerSettings? = nil,
                buffer: BufferSettings? = nil, loraStore: LoRAStoreSettings? = nil, dispatch: DispatchSettings? = nil) {
        self.similarityThreshold = similarityThreshold
        self.bufferSize = bufferSize
        self.learningRate = learningRate
        self.klWeight = klWeight
        self.composition = composition
        self.svfTargets = svfTargets
        self.maxTokens = maxTokens
        self.guardTolerance = guardTolerance
        self.optimizer = optimizer
        self.negativeWeight = negativeWeight
        self.updateSteps = updateSteps
        self.learningTokens = learningTokens
        self.correctionWeight = correctionWeight
        self.trigger = trigger
        self.buffer = buffer
        self.loraStore = loraStore
        self.dispatch = dispatch
    }

    /// Whether feedback with `reward` (and a correction, when `corrected`) enters a node's
    /// buffer to be learned from by gradient.
    public func learnsFrom(reward: Float, corrected: Bool = false) -> Bool {
        reward >= 0 || (negativeWeight ?? 1) != 0 || (corrected && (correctionWeight ?? 1) != 0)
    }
}

/// The first event of every store: what model, with what settings, so that re-execution can
/// check it runs the same computation.
public struct StoreCreated: Sendable, Equatable, Codable {
    public static let typeName = "StoreCreated.v1"
    /// SHA-256 of the model file.
    public var modelFingerprint: String
    public var model: String
    public var embedder: String
    public var threads: Int
    /// OpenBLAS's kernel set: bit-identical results need the same one.
    public var blasCore: String
    public var seed: UInt64
    public var config: EngineConfig
    /// How the model's matrices are held for answering; absent (nil) is Float32, which every
    /// store before quantised decoding used, so their bytes and meaning stay as they were.
    public var weights: WeightStorage?
    /// What the node learning steps' products run on (`TrainingProducts.recordedName`):
    /// "rows-fma" or "rows-portable". Absent (nil) is OpenBLAS, which every store before used,
    /// so their steps re-execute as they ran.
    public var learningKernel: String?

    public init(modelFingerprint: String, model: String, embedder: String, threads: Int, blasCore: String, seed: UInt64, config: EngineConfig,
                weights: WeightStorage? = nil, learningKernel: String? = nil) {
        self.modelFingerprint = modelFingerprint
        self.model = model
        self.embedder = embedder
        self.threads = threads
        self.blasCore = blasCore
        self.seed = seed
        self.config = config
        self.weights = weights == .float32 ? nil : weights
        self.learningKernel = learningKernel
    }

    /// The weight storage answers were computed with.
    public var weightStorage: WeightStorage { weights ?? .float32 }
}

/// The sampling settings of one answer, enough to reproduce it.
public struct SamplingRecord: Sendable, Equatable, Codable {
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var repetitionPenalty: Float
    public var maxTokens: Int
    public var seed: UInt64

    public init(temperature: Float, topK: Int, topP: Float, repetitionPenalty: Float, maxTokens: Int, seed: UInt64) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// A prompt was answered: by which node, with which adapter, how.
public struct InteractionRecorded: Sendable, Equatable, Codable {
    public static let typeName = "InteractionRecorded.v1"
    /// An interaction asked with a request (a system message or sampling fields, from the HTTP
    /// API). A build from before requests refuses it by name instead of folding it as if it
    /// had been asked plainly; an interaction without one stays v1 (whose JSON payloads kept
    /// their bytes; `BinaryPayload` now writes all versions).
    public static let requestedTypeName = "InteractionRecorded.v2"
    /// An interaction whose request holds a conversation's earlier turns. A build that knows
    /// requests but not turns would regenerate the answer without them, so it must refuse
    /// the event by name; a request without turns stays v2.
    public static let conversationTypeName = "InteractionRecorded.v3"
    /// An interaction answered with a cluster adapter of SAGE's pool beside its node's. A build
    /// without the pool would regenerate the answer without it, so it must refuse the event by
    /// name; whatever its request, an interaction with one is v4.
    public static let clusterAdapterTypeName = "InteractionRecorded.v4"
    /// An interaction answered with an expert of Transformer²'s library beneath its node's
    /// adapter. A build without the library would regenerate the answer without it, so it must
    /// refuse the event by name; whatever else it carries, an interaction with one is v5.
    public static let expertTypeName = "InteractionRecorded.v5"
    /// An interaction answered with SEAL's knowledge adapter stacked on top. A build without
    /// it would regenerate the answer without it, so it must refuse the event by name;
    /// whatever else it carries, an interaction with one is v6.
    public static let knowledgeTypeName = "InteractionRecorded.v6"
    /// Every version, for code that picks interactions out of a log by type.
    public static let typeNames: Set<String> = [typeName, requestedTypeName, conversationTypeName, clusterAdapterTypeName, expertTypeName, knowledgeTypeName]

    /// The type an interaction is written as: the oldest version that holds everything it carries.
    public var versionedTypeName: String {
        if knowledge != nil { return Self.knowledgeTypeName }
        if expert != nil { return Self.expertTypeName }
        if clusterAdapter != nil { return Self.clusterAdapterTypeName }
        guard let request else { return Self.typeName }
        return request.turns == nil ? Self.requestedTypeName : Self.conversationTypeName
    }
    public var interaction: Int
    public var prompt: String
    public var response: String
    public var node: Int
    /// The prompt's embedding (routing input), recorded so no projection needs the embedder.
    public var embedding: Vector
    public var similarity: Float
    /// The node's adapter blob at answer time, if it had one.
    public var adapter: String?
    public var sampling: SamplingRecord
    public var promptTokens: Int
    public var responseTokens: Int
    /// What the caller asked beyond the prompt; absent when nothing was (never an empty request).
    public var request: AnswerRequest?
    /// How sure the model was and how novel the prompt (absent before they were recorded,
    /// and when no token was generated). Older builds read past it: it changes nothing they fold.
    public var signals: AnswerSignals?
    /// The pool's cluster adapter the answer ran with, stacked on the node's (v4).
    public var clusterAdapter: ClusterAdapterUse?
    /// The expert dispatch chose, beneath the node's adapter (v5).
    public var expert: ExpertUse?
    /// SEAL's knowledge adapter, stacked on top (v6).
    public var knowledge: String?

    public init(interaction: Int, prompt: String, response: String, node: Int, embedding: Vector, similarity: Float, adapter: String?,
                sampling: SamplingRecord, promptTokens: Int, responseTokens: Int, request: AnswerRequest? = nil, signals: AnswerSignals? = nil,
                clusterAdapter: ClusterAdapterUse? = nil, expert: ExpertUse? = nil, knowledge: String? = nil) {
        self.interaction = interaction
        self.prompt = prompt
        self.response = response
        self.node = node
        self.embedding = embedding
        self.similarity = similarity
        self.adapter = adapter
        self.sampling = sampling
        self.promptTokens = promptTokens
        self.responseTokens = responseTokens
        self.request = request.flatMap { $0.isEmpty ? nil : $0 }
        self.signals = signals
        self.clusterAdapter = clusterAdapter
        self.expert = expert
        self.knowledge = knowledge
    }
}

/// A reward for an interaction (GESAL: +1 or -2). Identified by its interaction, so that
/// excluding one feedback leaves every other identity unchanged.
public struct FeedbackRecorded: Sendable, Equatable, Codable {
    public static let typeName = "FeedbackRecorded.v1"
    /// Feedback with a correction. A build from before corrections refuses it by name instead
    /// of folding the feedback without its correction; feedback without one stays v1.
    public static let correctedTypeName = "FeedbackRecorded.v2"
    /// Both versions, for code that picks feedback out of a log by type.
    public static let typeNames: Set<String> = [typeName, correctedTypeName]
    public var interaction: Int
    public var reward: Float
    /// "user", "checker" (a task's answer checker), "import".
    public var source: String
    /// What the right answer was, when the one giving feedback said so (`gesal feedback N -
    /// --correct TEXT`). Absent in feedback without one, so older events keep their bytes.
    public var correction: String?

    public init(interaction: Int, reward: Float, source: String, correction: String? = nil) {
        self.interaction = interaction
        self.reward = reward
        self.source = source
        self.correction = correction
    }
}

/// Why a learning step ran (v1: a node's buffer reached its size, `buffered` against the
/// buffer size), or SAGE's trigger judging an interaction that got feedback (v2, with a
/// `judgement`), whether it fired or not, so thresholds can be audited and re-tuned on replay.
public struct TriggerFired: Sendable, Equatable, Codable {
    public static let typeName = "TriggerFired.v1"
    /// A trigger with SAGE's judgement. A build from before SAGE's trigger refuses it by name
    /// (it would count it as a learning step's trigger); the buffer's trigger stays v1.
    public static let judgedTypeName = "TriggerFired.v2"
    public static let typeNames: Set<String> = [typeName, judgedTypeName]

    public enum Cause: String, Sendable, Codable {
        /// The reward was negative: always fires.
        case negativeFeedback
        /// The weighted badness reached the threshold.
        case score
        /// Neither: judged, not fired.
        case none
    }

    public struct Judgement: Sendable, Equatable, Codable {
        public var fired: Bool
        public var cause: Cause
        /// The weighted mean of `badness` (absent when no weighed signal had one: before the
        /// calibration, without a correction).
        public var score: Float?
        /// Each signal's badness in [0, 1] (`TriggerSignal.badness`).
        public var badness: [String: Float]

        public init(fired: Bool, cause: Cause, score: Float?, badness: [String: Float]) {
            self.fired = fired
            self.cause = cause
            self.score = score
            self.badness = badness
        }
    }

    public var versionedTypeName: String { judgement == nil ? Self.typeName : Self.judgedTypeName }
    public var interaction: Int
    /// The signals as measured (v2), or the buffer's count (v1).
    public var scores: [String: Float]
    public var threshold: Float
    public var judgement: Judgement?

    public init(interaction: Int, scores: [String: Float], threshold: Float, judgement: Judgement? = nil) {
        self.interaction = interaction
        self.scores = scores
        self.threshold = threshold
        self.judgement = judgement
    }
}

/// The trigger's warm-up ended: the percentiles of each label-free signal over the first
/// judged interactions, against which later values are ranked (`TriggerSignal.badness`).
public struct TriggerCalibrated: Sendable, Equatable, Codable {
    public static let typeName = "TriggerCalibrated.v1"
    /// The percentiles kept: 0, 5, ..., 100.
    public static let percentiles = Array(stride(from: 0, through: 100, by: 5))
    /// The judged interactions the sample came from, in order.
    public var interactions: [Int]
    /// Per label-free signal, its value at each of `percentiles` (linear interpolation between
    /// order statistics, as numpy's default). A signal no interaction had is absent.
    public var quantiles: [String: [Float]]

    public init(interactions: [Int], quantiles: [String: [Float]]) {
        self.interactions = interactions
        self.quantiles = quantiles
    }

    /// The calibration from a sample of label-free signal values.
    public init(interactions: [Int], samples: [[String: Float]]) {
        var quantiles: [String: [Float]] = [:]
        for signal in TriggerSignal.labelFree where signal.isCalibrated {
            let values = samples.compactMap { $0[signal.rawValue] }.sorted()
            guard !values.isEmpty else { continue }
            quantiles[signal.rawValue] = Self.percentiles.map { percent in
                let position = Double(percent) / 100 * Double(values.count - 1)
                let low = Int(position), high = min(low + 1, values.count - 1)
                let fraction = Float(position - Double(low))
                return values[low] + (values[high] - values[low]) * fraction
            }
        }
        self.init(interactions: interactions, quantiles: quantiles)
    }

    /// Where `value` falls among the percentile points, in [0, 1]: linear between the points
    /// it lies between; on a run of points equal to it, the run's middle (so a signal that
    /// never varied is neutral, 0.5, whichever way it is oriented).
    public static func rank(_ value: Float, among points: [Float]) -> Float {
        guard let first = points.first, let lastPoint = points.last, value >= first else { return 0 }
        guard value <= lastPoint else { return 1 }
        let last = Float(max(points.count - 1, 1))
        let lower = points.firstIndex { $0 >= value }!
        if points[lower] == value {
            let upper = points.lastIndex { $0 == value }!
            return Float(lower + upper) / 2 / last
        }
        let fraction = (value - points[lower - 1]) / (points[lower] - points[lower - 1])
        return (Float(lower - 1) + fraction) / last
    }
}

/// A prompt unlike every node so far started a node.
public struct NodeCreated: Sendable, Equatable, Codable {
    public static let typeName = "NodeCreated.v1"
    public var node: Int
    public var interaction: Int
    public var embedding: Vector
    /// The most similar existing node and its similarity, if there was any node.
    public var nearest: Int?
    public var similarity: Float?

    public init(node: Int, interaction: Int, embedding: Vector, nearest: Int?, similarity: Float?) {
        self.node = node
        self.interaction = interaction
        self.embedding = embedding
        self.nearest = nearest
        self.similarity = similarity
    }
}

/// A prompt routed to a node moved its centroid (the running mean of its prompts).
public struct NodeUpdated: Sendable, Equatable, Codable {
    public static let typeName = "NodeUpdated.v1"
    public var node: Int
    public var interaction: Int
    public var centroid: Vector
    public var count: Int

    public init(node: Int, interaction: Int, centroid: Vector, count: Int) {
        self.node = node
        self.interaction = interaction
        self.centroid = centroid
        self.count = count
    }
}

/// A node's adapter learned from its buffered feedback: the exact result, by blob.
public struct AdapterUpdated: Sendable, Equatable, Codable {
    public static let typeName = "AdapterUpdated.v1"
    public var node: Int
    /// "reinforce-svf", "sft-lora", ...
    public var method: String
    public var adapterBlob: String
    public var optimizerBlob: String
    public var loss: Float
    /// The interactions whose feedback this update consumed.
    public var interactions: [Int]

    public init(node: Int, method: String, adapterBlob: String, optimizerBlob: String, loss: Float, interactions: [Int]) {
        self.node = node
        self.method = method
        self.adapterBlob = adapterBlob
        self.optimizerBlob = optimizerBlob
        self.loss = loss
        self.interactions = interactions
    }
}

/// A LoRA trained elsewhere became part of a node's adapter (`gesal import adapter`). The
/// LoRA alone is `loraBlob` (the input, kept so a rollback can import it again onto the
/// node's adapter there); `adapterBlob` is the node's adapter after the import: what it had
/// (its SVF vectors, or identity ones) plus the LoRA. Learning steps on the node train the SVF
/// vectors and leave the LoRA as imported.
public struct AdapterImported: Sendable, Equatable, Codable {
    public static let typeName = "AdapterImported.v1"
    public var node: Int
    /// The interaction that created the node: a rollback, whose branch may number nodes
    /// differently, imports onto the node that interaction created there.
    public var origin: Int
    /// "peft" (adapter_config.json + adapter_model.safetensors).
    public var format: String
    /// The SHA-256 of each file read, by file name: which adapter this was, byte for byte.
    public var files: [String: String]
    /// The base model the adapter says it was trained on (`base_model_name_or_path`), if it says.
    public var baseModel: String?
    /// The matrices it adapts, as "blk.L.kind", in order, and its largest rank.
    public var sites: [String]
    public var rank: Int
    public var loraBlob: String
    public var adapterBlob: String

    public init(node: Int, origin: Int, format: String, files: [String: String], baseModel: String?, sites: [String], rank: Int,
                loraBlob: String, adapterBlob: String) {
        self.node = node
        self.origin = origin
        self.format = format
        self.files = files
        self.baseModel = baseModel
        self.sites = sites
        self.rank = rank
        self.loraBlob = loraBlob
        self.adapterBlob = adapterBlob
    }
}

/// The regression guard refused an update; its feedback is consumed, the adapter unchanged.
public struct UpdateRejected: Sendable, Equatable, Codable {
    public static let typeName = "UpdateRejected.v1"
    public var node: Int
    public var reason: String
    public var interactions: [Int]
    public var metrics: [String: Float]

    public init(node: Int, reason: String, interactions: [Int], metrics: [String: Float]) {
        self.node = node
        self.reason = reason
        self.interactions = interactions
        self.metrics = metrics
    }
}

/// A branch was started from this history (what the log's refs do, told in the history).
public struct BranchCreated: Sendable, Equatable, Codable {
    public static let typeName = "BranchCreated.v1"
    public var branch: String
    public var from: String
    public var at: UInt64

    public init(branch: String, from: String, at: UInt64) {
        self.branch = branch
        self.from = from
        self.at = at
    }
}

/// This branch re-ran its history without some events (rollback --exclude).
public struct Reverted: Sendable, Equatable, Codable {
    public static let typeName = "Reverted.v1"
    public var excluded: [UInt64]
    public var reason: String

    public init(excluded: [UInt64], reason: String) {
        self.excluded = excluded
        self.reason = reason
    }
}

/// `gesal-log bisect --exclude` found the first event after which a test failed, and re-ran
/// the branch without that event's inputs into this branch. Written on the new branch, after
/// its `Reverted`; it records the search so the finding can be audited and repeated.
public struct Bisected: Sendable, Equatable, Codable {
    public static let typeName = "Bisected.v1"

    /// One evaluation of the test: the state after `sequence` passed it or not.
    public struct Step: Sendable, Equatable, Codable {
        public var sequence: UInt64
        public var good: Bool
        public var detail: String

        public init(sequence: UInt64, good: Bool, detail: String) {
            self.sequence = sequence
            self.good = good
            self.detail = detail
        }
    }

    /// The branch searched, and the known-good and known-bad points given.
    public var branch: String
    public var good: UInt64
    public var bad: UInt64
    /// The test, as a person would type it (`--item "..." --expect 7`).
    public var test: String
    /// The first event after which the test fails.
    public var culprit: UInt64
    /// The feedback or interaction events left out of this branch.
    public var excluded: [UInt64]
    public var steps: [Step]

    public init(branch: String, good: UInt64, bad: UInt64, test: String, culprit: UInt64, excluded: [UInt64], steps: [Step]) {
        self.branch = branch
        self.good = good
        self.bad = bad
        self.test = test
        self.culprit = culprit
        self.excluded = excluded
        self.steps = steps
    }
}

/// A snapshot of the projection was written; replay may start from it.
public struct SnapshotTaken: Sendable, Equatable, Codable {
    public static let typeName = "SnapshotTaken.v1"
    public var sequence: UInt64
    public var stateHash: String
    public var blob: String

    public init(sequence: UInt64, stateHash: String, blob: String) {
        self.sequence = sequence
        self.stateHash = stateHash
        self.blob = blob
    }
}
