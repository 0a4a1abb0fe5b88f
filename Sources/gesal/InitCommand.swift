import ArgumentParser
import CommandLineSupport
import Engine
import GESAL

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store with chosen learning settings (ask, feedback and chat create one with the defaults).",
        discussion: helpText("""
        The settings are recorded in the store's first event (StoreCreated) and fixed for its
        life: replay and re-execution depend on them.

        Examples:
          gesal init --store lab
          gesal init --store lab --similarity-threshold 0.6 --buffer-size 3
          gesal init --store lab --guard-tolerance 0.05
          gesal init --store lab --embedder hidden-mean
          gesal init --store lab --negative-weight 0 --update-steps 5
          gesal init --store lab --trigger --trigger-weight nodeDistance=0
          gesal init --store lab --trigger --buffer --stable-rounds 4
          gesal init --store lab --trigger --buffer --lora-store --lora-ranks 4,8

        --trigger turns on SAGE's trigger: every feedback is judged from the answer's
        label-free signals (first-token margin, mean entropy, mean log-probability, distance
        to the nearest node), ranked against the first --trigger-warmup judged answers, and
        from how far the answer agrees with a correction; negative feedback always fires.
        Each judgement is a TriggerFired event, fired or not (docs/sage.md).

        --buffer (with --trigger) keeps SAGE's buffer: each answer the trigger fires on
        enters it, and HDBSCAN clusters the buffer's prompts again (--min-cluster-size,
        --min-samples). A cluster that holds for --stable-rounds rounds, each agreeing with
        the last (adjusted Rand index >= --min-agreement, centre cosine >= --min-centre-cosine),
        forms; formed clusters whose centres reach --merge-cosine merge. Every change is an
        event (ClusterFormed, ...), and the prompt's similarity to the nearest cluster becomes
        a trigger signal (clusterSimilarity). Not to be confused with --buffer-size, the
        feedback a GESAL node collects before it learns.

        --lora-store (with --buffer) keeps SAGE's LoRA store: once a formed cluster holds
        --min-labelled answers with a correction (or rewarded +1), a search trains a LoRA for
        each point of --lora-ranks x --lora-learning-rates x --lora-epochs on two thirds of
        them (prompt in, correction out) and scores it on the rest, greedy answers against
        the corrections; the best that beats the base model joins a pool of --pool-size
        adapters (AdapterTrained, AdapterRetired). A later prompt as close to the cluster's
        centre as its farthest member is answered with that LoRA stacked on its node's
        adapter (InteractionRecorded.v4).
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: "A prompt whose cosine similarity to every node is below this starts a new node.")
    var similarityThreshold: Float = 0.7

    @Option(help: "Feedback a node collects before it learns (1: learn at once).")
    var bufferSize: Int = 1

    @Option(help: "Learning rate of the SVF update's optimiser.")
    var learningRate: Float = 2e-3

    @Option(help: "Weight of the KL penalty towards the base model (0 turns it off; not advised).")
    var klWeight: Float = 1

    @Option(help: "Reject an update when the control set's mean log-probability per token falls by more than this (off when omitted).")
    var guardTolerance: Float?

    @Option(help: "The SVF update's optimiser: adam or sgd.")
    var optimizer = "adam"

    @Option(help: "How much negative feedback's gradient counts (1: GESAL's loss, doubled for a negative reward; 0: a wrong answer only joins its node's rejected answers).")
    var negativeWeight: Float = 1

    @Option(help: "How much a correction (gesal feedback N - --correct TEXT) counts in the node's learning steps, as a rewarded sample (0: corrections are memory only).")
    var correctionWeight: Float = 1

    @Option(help: "Optimiser steps per learning step.")
    var updateSteps: Int = 1

    @Option(help: "The longest answer, in tokens.")
    var maxTokens: Int = 48

    @Option(help: "The longest sequence (prompt and answer tokens) a learning step takes; feedback on a longer one is recorded as a rejected update. Memory grows with its square.")
    var learningTokens: Int = EngineConfig.defaultLearningTokens

    @Option(help: "minilm (all-MiniLM-L6-v2) or hidden-mean (the chat model's own mean hidden state).")
    var embedder: String = "minilm"

    @Option(help: "Seed for the answers sampled when a greedy answer was rejected before.")
    var seed: UInt64 = 0

    @Flag(help: "Judge every feedback with SAGE's trigger (TriggerFired events; docs/sage.md).")
    var trigger = false

    @OptionGroup var triggerOptions: TriggerOptions

    @Flag(help: "Cluster the answers the trigger fires on: SAGE's buffer (needs --trigger; docs/sage.md).")
    var buffer = false

    @Option(help: "HDBSCAN's smallest cluster in the buffer (default 2).")
    var minClusterSize: Int?

    @Option(help: "HDBSCAN's neighbours for a point's core distance, the point itself counted (default 1).")
    var minSamples: Int?

    @Option(help: "Rounds a buffer cluster must hold, each agreeing with the last, before it forms; as many rounds held nowhere dissolve it (default 3).")
    var stableRounds: Int?

    @Option(help: "The adjusted Rand index between consecutive rounds at which a candidate's points agree (default 0.8).")
    var minAgreement: Double?

    @Option(help: "The cosine between a candidate's centres in consecutive rounds at which they agree (default 0.5).")
    var minCentreCosine: Float?

    @Option(help: "Formed clusters whose centres reach this cosine merge (default 0.8).")
    var mergeCosine: Float?

    @OptionGroup var loraStoreOptions: LoRAStoreOptions

    @Option(help: "Transformer²'s dispatch: which expert of the library answers each prompt, beneath its node's adapter: none, embedding (the nearest expert's training prompts), prompt (the model classifies) or classifier (the library's classifier classifies). docs/transformer2.md.")
    var dispatch = "none"

    @Option(help: "The embedding dispatch's least cosine to an expert's centre (default 0.5).")
    var dispatchThreshold: Float?

    /// The buffer the options give, nil without --buffer.
    func bufferSettings() throws -> BufferSettings? {
        let given: [Any?] = [minClusterSize, minSamples, stableRounds, minAgreement, minCentreCosine, mergeCosine]
        guard buffer else {
            guard given.allSatisfy({ $0 == nil }) else {
                throw ValidationError("--min-cluster-size, --min-samples, --stable-rounds, --min-agreement, --min-centre-cosine and --merge-cosine set the buffer: add --buffer")
            }
            return nil
        }
        let defaults = BufferSettings()
        return BufferSettings(minClusterSize: minClusterSize ?? defaults.minClusterSize, minSamples: minSamples ?? defaults.minSamples,
                              stableRounds: stableRounds ?? defaults.stableRounds, minAgreement: minAgreement ?? defaults.minAgreement,
                              minCentreCosine: minCentreCosine ?? defaults.minCentreCosine, mergeCosine: mergeCosine ?? defaults.mergeCosine)
    }

    /// The trigger the options give, nil without --trigger.
    func triggerSettings() throws -> TriggerSettings? {
        guard trigger else {
            guard triggerOptions.isEmpty else {
                throw ValidationError("--trigger-threshold, --trigger-warmup and --trigger-weight set the trigger: add --trigger")
            }
            return nil
        }
        return try triggerOptions.settings()
    }

    /// The settings the options give; GESAL's defaults are left absent, so a store made with
    /// them has the same `StoreCreated` as before the setting existed.
    func config() throws -> EngineConfig {
        EngineConfig(similarityThreshold: similarityThreshold, bufferSize: bufferSize, learningRate: learningRate,
                     klWeight: klWeight, maxTokens: maxTokens, guardTolerance: guardTolerance,
                     optimizer: optimizer == "adam" ? nil : optimizer, negativeWeight: negativeWeight == 1 ? nil : negativeWeight,
                     updateSteps: updateSteps == 1 ? nil : updateSteps,
                     learningTokens: learningTokens == EngineConfig.defaultLearningTokens ? nil : learningTokens,
                     correctionWeight: correctionWeight == 1 ? nil : correctionWeight, trigger: try triggerSettings(),
                     buffer: try bufferSettings(), loraStore: try loraStoreOptions.settings(),
                     dispatch: dispatch == "none" && dispatchThreshold == nil ? nil : DispatchSettings(strategy: dispatch, threshold: dispatchThreshold))
    }

    func validate() throws {
        try config().validateOptions()
    }

    func run() throws {
        try reportingErrors {
            if try Engine.storeCreated(at: engine.store, branch: engine.branch) != nil {
                throw ValidationError("\(engine.storeShown) already holds a GESAL store; its settings are fixed (see `gesal-log log --store \(engine.storeShown)`)")
            }
            let opened = try engine.openEngine(config: try config(), embedder: embedder, seed: seed)
            print("store \(engine.storeShown): model \(opened.state.created!.model), embedder \(embedder), state \(opened.state.hash.hex.prefix(16))")
        }
    }
}
