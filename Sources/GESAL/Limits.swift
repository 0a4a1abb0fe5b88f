/// The range of every number a person, an import file or (later) the server can hand GESAL,
/// defined once. The CLI checks its options against these, the engine checks the values it is
/// asked to record, and import checks every event, so a value that would poison a store (a NaN
/// learning rate, a reward of 1e30) is refused at the edge with the value and the range named.
public struct Limit: Sendable, CustomStringConvertible {
    public let lower: Double
    public let upper: Double
    /// Whether `lower` itself is allowed (a learning rate of 0 is not).
    public let includesLower: Bool
    public let includesUpper: Bool
    /// Why the range is what it is, for docs and `--help`.
    public let why: String

    public init(_ lower: Double, _ upper: Double, includesLower: Bool = true, includesUpper: Bool = true, why: String) {
        self.lower = lower
        self.upper = upper
        self.includesLower = includesLower
        self.includesUpper = includesUpper
        self.why = why
    }

    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        let aboveLower = includesLower ? value >= lower : value > lower
        let belowUpper = includesUpper ? value <= upper : value < upper
        return aboveLower && belowUpper
    }

    /// `[0, 1]`, `(0, 1]`, `1 to 256` for whole numbers.
    public var description: String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
        return (includesLower ? "[" : "(") + number(lower) + ", " + number(upper) + (includesUpper ? "]" : ")")
    }

    /// Refuses `value` unless it is finite and in range; `name` is what the user called it
    /// (`--learning-rate`, `the reward`, `learningRate`), and the value is shown as it was given.
    public func check(_ value: Double, _ name: String) throws(EngineError) { try check(value, name, shown: "\(value)") }
    public func check(_ value: Float, _ name: String) throws(EngineError) { try check(Double(value), name, shown: "\(value)") }
    public func check(_ value: Int, _ name: String) throws(EngineError) { try check(Double(value), name, shown: "\(value)") }

    private func check(_ value: Double, _ name: String, shown: String) throws(EngineError) {
        guard contains(value) else {
            throw EngineError(.invalidRequest, "\(name) is \(shown): it must be \(value.isFinite ? "" : "a finite number ")in \(self) (\(why))")
        }
    }
}

public enum Limits {
    // Feedback
    public static let reward = Limit(-10, 10, why: "GESAL's rewards are +1 and -2; a larger one only scales the step")
    public static let correctionBytes = Limit(1, 4096, why: "a correction is the right answer to one prompt, in UTF-8 bytes")

    // Learning settings (EngineConfig)
    public static let similarityThreshold = Limit(-1, 1, why: "a cosine similarity")
    public static let bufferSize = Limit(1, 10_000, why: "feedback a node collects before it learns")
    public static let learningRate = Limit(0, 1, includesLower: false, why: "a step size; above 1 the SVF scales leave any sensible range at once")
    public static let klWeight = Limit(0, 100, why: "a penalty weight; 0 turns the penalty off")
    public static let guardTolerance = Limit(0, 100, why: "a drop in mean log-probability per token")
    public static let negativeWeight = Limit(0, 10, why: "a factor on negative rewards; 0 leaves them to memory")
    public static let correctionWeight = Limit(0, 10, why: "a factor on a correction's supervised term; 0 keeps corrections as memory only")
    public static let updateSteps = Limit(1, 100, why: "optimiser steps per learning step")
    public static let maxTokens = Limit(1, 4096, why: "the longest answer, in tokens")
    public static let learningTokens = Limit(16, 8192, why: "prompt and answer tokens of one learning sequence; memory grows with its square")

    // SAGE's trigger (TriggerSettings)
    public static let triggerThreshold = Limit(0, 1, why: "a weighted mean of badness values, each in [0, 1]")
    public static let triggerWarmup = Limit(1, 10_000, why: "judged interactions whose signals set the percentiles")
    public static let triggerWeight = Limit(0, 100, why: "a signal's weight; 0 leaves it out")

    // SAGE's buffer (BufferSettings)
    public static let minClusterSize = Limit(2, 1000, why: "HDBSCAN's smallest cluster; a cluster of one is noise")
    public static let minSamples = Limit(1, 1000, why: "HDBSCAN's neighbours for a point's core distance, itself counted")
    public static let stableRounds = Limit(2, 100, why: "consecutive rounds a cluster must hold to form; one round is no agreement")
    public static let clusterAgreement = Limit(-1, 1, why: "an adjusted Rand index or a cosine similarity")

    // SAGE's LoRA store (LoRAStoreSettings)
    public static let minLabelled = Limit(2, 1000, why: "labelled members before a search: at least one to train on and one to score")
    public static let poolSize = Limit(1, 100, why: "adapters kept; each is a few MB and a merge at answer time")
    public static let loraRank = Limit(1, 64, why: "a LoRA's rank; SmolLM2's narrowest matrix is 576 wide")
    public static let loraEpochs = Limit(1, 50, why: "passes over a cluster's training part")
    public static let alphaPerRank = Limit(0, 64, includesLower: false, why: "a LoRA's alpha over its rank, which scales its update")
    public static let searchCandidates = Limit(1, 32, why: "candidates one search trains; SAGE's tries about 33")

    // Generation
    public static let temperature = Limit(0, 10, why: "0 is greedy")
    public static let systemBytes = Limit(1, 16_384, why: "a system message, in UTF-8 bytes")
    public static let turns = Limit(1, 256, why: "earlier messages of one conversation")
    public static let conversationBytes = Limit(0, 1_048_576, why: "the earlier messages of one conversation together, in UTF-8 bytes")
    public static let stopStrings = Limit(1, 4, why: "stop strings per request, as OpenAI's API allows")
    public static let stopBytes = Limit(1, 64, why: "one stop string, in UTF-8 bytes")
    public static let topP = Limit(0, 1, includesLower: false, why: "a probability mass")
    public static let topK = Limit(0, 1_000_000, why: "0 keeps every token")
    public static let repetitionPenalty = Limit(0.01, 10, why: "1 is no penalty")
    public static let threads = Limit(1, 256, why: "threads for the matrix products")

    // Transformer²'s experts (docs/transformer2.md).
    public static let expertNameBytes = Limit(1, 64, why: "an expert's name: letters, digits, '.', '_' and '-'")
    public static let expertItems = Limit(10, 100_000, why: "items generated before the split; a tenth of them validate")
    public static let expertSteps = Limit(1, 10_000, why: "optimiser steps of an expert's training")
    public static let expertBatch = Limit(1, 256, why: "prompts per optimiser step")
    public static let expertValidateEvery = Limit(1, 10_000, why: "steps between validations")
    public static let mixShots = Limit(1, 1000, why: "examples of the target task a CEM search scores on; without one there is nothing to fit")
    public static let mixPopulation = Limit(2, 256, why: "candidates per CEM generation")
    public static let mixElites = Limit(1, 256, why: "the best candidates a generation keeps")
    public static let mixGenerations = Limit(1, 1000, why: "CEM generations")
    public static let mixSpread = Limit(0, 10, includesLower: false, why: "the first generation's spread of α")

    // SEAL's knowledge (docs/seal.md).
    public static let passageBytes = Limit(1, 65_536, why: "a passage to learn, in UTF-8 bytes; a longer text is split into passages")
    public static let titleBytes = Limit(1, 256, why: "a passage's title, in UTF-8 bytes")
    public static let quizQuestions = Limit(1, 100, why: "questions that score a passage's self-edits")
    public static let quizBytes = Limit(1, 1024, why: "one quiz question or answer, in UTF-8 bytes")
    public static let selfEditBytes = Limit(0, 65_536, why: "a self-edit's text, in UTF-8 bytes")
    public static let knowledgeEpochs = Limit(1, 50, why: "passes over a candidate's sequences")
    public static let selfEdits = Limit(1, 16, why: "self-edits sampled for one passage; each trains a LoRA")
    public static let rehearsedPassages = Limit(0, 64, why: "earlier passages rehearsed in each candidate's training")
    public static let writerRounds = Limit(1, 20, why: "ReST-EM rounds, each a fine-tuning of the self-edit writer")
    public static let demoRounds = Limit(0, 20, why: "ReST-EM rounds in SEAL's demo")
    public static let controlItems = Limit(1, 100_000, why: "control questions a demo scores")
    public static let demoPassages = Limit(1, 1000, why: "invented passages SEAL's demo learns in turn")
}
