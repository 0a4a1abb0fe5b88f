import Adaptation
import EventLog
import GESAL
import Models
import Tensor

/// One learning step of a node: REINFORCE-SVF on the node's buffered feedback and its known
/// right answers (the config's `updateSteps` optimiser steps), from the node's current adapter
/// and optimiser state, with the KL penalty towards the base model.
/// Deterministic: the same state, config and models give the same bytes, which is what lets
/// `replay --reexecute` check recorded results bit for bit and a rollback re-run them.
public struct LearningStep: Sendable {
    public var node: Int
    public var adapterBlob: [UInt8]
    public var optimizerBlob: [UInt8]
    public var loss: Float
    public var interactions: [Int]
    /// Control-set scores before and after, when the regression guard is on.
    public var metrics: [String: Float]
    /// Why the guard refused the update; nil when it was accepted.
    public var rejection: String?

    public static let method = "reinforce-svf"
    /// The optimisers a store's config may name (`EngineConfig.optimizer`; absent is Adam).
    public static let optimizers: [String: OptimizerConfig.Kind] = ["adam": .adam, "sgd": .sgd]

    /// Runs the step for `node` in `state`; `blob` reads a stored blob by its hex hash.
    ///
    /// A step that fails for a reason that would fail again on every retry is returned as a
    /// rejection, to be recorded once as `UpdateRejected` (its feedback consumed, the adapter
    /// unchanged): a sequence beyond the store's learning token budget, a stored adapter that
    /// does not decode, a non-finite loss or adapter value. Only failures that may pass next
    /// time (I/O) are thrown, and redone when the store next opens.
    public static func run(node id: Int, in state: EngineState, models: EngineModels,
                           blob: (String) throws -> [UInt8]) throws -> LearningStep {
        guard let created = state.created, let node = state.nodes[id] else {
            throw EngineError(.invalidRequest, "node \(id) does not exist")
        }
        let config = created.config
        guard !node.buffer.isEmpty else { throw EngineError(.invalidRequest, "node \(id) has no buffered feedback to learn from") }
        let composition = try Self.composition(of: config)
        guard let optimizer = optimizers[config.optimizer ?? "adam"] else {
            throw EngineError(.inconsistent, "unknown optimiser '\(config.optimizer ?? "")' in the store's config (\(optimizers.keys.sorted().joined(separator: " or ")))")
        }
        let interactions = node.buffer.map(\.interaction)
        func rejected(_ reason: String) -> LearningStep {
            LearningStep(node: id, adapterBlob: [], optimizerBlob: [], loss: 0, interactions: interactions, metrics: [:], rejection: reason)
        }

        // The budget is checked first: tokenising is all it needs.
        let tokens = Learner(language: models.language, adapters: AdapterSet(), optimizer: OptimizerConfig(kind: optimizer, learningRate: config.learningRate))
        let samples = trainingSamples(node: node, in: state, config: config)
        let episodes = samples.map { sample in
            Learner.Episode(prompt: tokens.promptTokens(state.interactions[sample.interaction]!.prompt),
                            response: tokens.responseTokens(sample.response), reward: sample.reward)
        }
        guard !samples.isEmpty else {
            return rejected("the buffered feedback gives nothing to learn from (its rewards count 0 and there is no correction to learn)")
        }
        let budget = config.learningTokenBudget
        if let (sample, episode) = zip(samples, episodes).first(where: { $1.prompt.count + $1.response.count > budget }) {
            return rejected("interaction \(sample.interaction) is \(episode.prompt.count + episode.response.count) tokens with "
                + "\(sample.isCorrection ? "its correction" : "its answer"), beyond this store's learning budget of \(budget) "
                + "(learningTokens); it was not learned from")
        }

        var adapters = AdapterSet(composition: composition)
        var optimizerState = OptimizerState()
        do {
            if let stored = node.adapterBlob { adapters = try AdapterCodec.decodeAdapters(try blob(stored)) }
            if let stored = node.optimizerBlob { optimizerState = try AdapterCodec.decodeOptimizer(try blob(stored)) }
        } catch let error as AdapterCodec.DecodeError {
            return rejected("node \(id)'s stored adapter or optimiser state does not decode: \(error)")
        } catch let error as LogError where error.code == .corrupt || error.code == .blobMissing {
            return rejected("node \(id)'s stored adapter or optimiser state cannot be read: \(error)")
        }
        let bases = try models.bases()
        if node.adapterBlob == nil { adapters = try identityAdapters(config: config, models: models) }

        var before = Learner(language: models.language, bases: bases, adapters: adapters,
                             optimizer: OptimizerConfig(kind: optimizer, learningRate: config.learningRate), state: optimizerState)
        before.products = try EngineModels.learningProducts(created)
        var learner = before
        learner.trainsLoRA = false  // an imported LoRA stays as imported; GESAL learns SVF vectors
        let loss = learner.reinforceStep(episodes, klWeight: config.klWeight, steps: config.updateSteps ?? 1)
        guard loss.isFinite else { return rejected("the loss is \(loss), not a finite number (rewards \(node.buffer.map(\.reward)))") }
        if let site = learner.adapters.firstNonFiniteSite() {
            return rejected("the step left a value that is not a finite number in the adapter of \(site)")
        }

        var metrics: [String: Float] = [:]
        var rejection: String?
        if let tolerance = config.guardTolerance {
            let scoreBefore = controlScore(before), scoreAfter = controlScore(learner)
            metrics = ["control_before": scoreBefore, "control_after": scoreAfter, "control_drop": scoreBefore - scoreAfter]
            if !metrics.values.allSatisfy(\.isFinite) {
                return rejected("the control set's score is not a finite number after the step")
            }
            if scoreBefore - scoreAfter > tolerance {
                rejection = "the control set's mean log-probability per token fell by \(scoreBefore - scoreAfter) (tolerance \(tolerance))"
            }
        }
        return LearningStep(node: id, adapterBlob: AdapterCodec.encode(learner.adapters), optimizerBlob: AdapterCodec.encode(learner.state),
                            loss: loss, interactions: interactions, metrics: metrics, rejection: rejection)
    }

    /// The store's SVF composition, refused by name when this build does not know it.
    static func composition(of config: EngineConfig) throws(EngineError) -> SVFComposition {
        guard let composition = SVFComposition(rawValue: config.composition) else {
            throw EngineError(.inconsistent, "unknown SVF composition '\(config.composition)' in the store's config")
        }
        return composition
    }

    /// Where a node without an adapter starts: identity SVF vectors (no change) at the store's
    /// targets, in its composition.
    static func identityAdapters(config: EngineConfig, models: EngineModels) throws -> AdapterSet {
        try identityAdapters(targets: config.svfTargets, composition: composition(of: config), models: models)
    }

    /// Identity SVF vectors at `targets` (every layer) in `composition`: where a node's adapter
    /// and an expert's training start.
    public static func identityAdapters(targets: [String], composition: SVFComposition, models: EngineModels) throws -> AdapterSet {
        let bases = try models.bases()
        var adapters = AdapterSet(composition: composition)
        for site in try EngineModels.sites(targets, layers: models.language.model.config.layers) {
            guard let basis = bases[site] else { throw EngineError(.mismatch, "no SVD basis for \(site)") }
            adapters.svf[site] = composition.identity(rank: basis.rank)
        }
        return adapters
    }

    /// One rewarded sequence of a learning step: an answer the node gave, or a known right answer.
    struct Sample {
        var interaction: Int
        var response: String
        var reward: Float
        var isCorrection: Bool
    }

    /// What the node's step trains on, in order. GESAL's REINFORCE samples: each buffered
    /// answer with its reward (a negative one times `negativeWeight`). Then the node's known
    /// right answers (the last `rehearsedCorrections`), each a sample rewarded with
    /// `correctionWeight`: with reward w, REINFORCE's term on it is w times the supervised
    /// loss, so the correction is learned as SFT would, under the same KL penalty. A buffered
    /// answer whose reward counts 0 (a -2 with `negativeWeight` 0) is left out when its
    /// interaction has a correction: its KL term would hold the first token where the
    /// correction must move it.
    static func trainingSamples(node: EngineState.Node, in state: EngineState, config: EngineConfig) -> [Sample] {
        let negativeWeight = config.negativeWeight ?? 1, correctionWeight = config.correctionWeight ?? 1
        var samples: [Sample] = node.buffer.compactMap { feedback in
            let interaction = state.interactions[feedback.interaction]!
            let reward = feedback.reward < 0 ? feedback.reward * negativeWeight : feedback.reward
            if reward == 0, interaction.correction != nil { return nil }
            return Sample(interaction: feedback.interaction, response: interaction.response, reward: reward, isCorrection: false)
        }
        if correctionWeight != 0 {
            samples += node.knownAnswers.suffix(rehearsedCorrections).map { id in
                Sample(interaction: id, response: state.interactions[id]!.correction!, reward: correctionWeight, isCorrection: true)
            }
        }
        return samples
    }

    /// Known right answers a step trains on at most: a node shared by many prompts keeps
    /// its most recent corrections in every step without the step growing without bound.
    public static let rehearsedCorrections = 8

    /// Mean over the control set of the reference answer's mean log-probability per token.
    static func controlScore(_ learner: Learner) -> Float {
        let scores = ControlSet.items.map { item in
            learner.meanLogProbability(prompt: learner.promptTokens(item.prompt), response: learner.responseTokens(item.answer))
        }
        return scores.reduce(0, +) / Float(scores.count)
    }
}
