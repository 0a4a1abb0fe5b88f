import Adaptation
import GESAL
import Models

/// One learning step of a node: REINFORCE-SVF on the node's buffered feedback (the config's
/// `updateSteps` optimiser steps), from the node's current adapter and optimiser state, with
/// the KL penalty towards the base model.
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
    public static func run(node id: Int, in state: EngineState, models: EngineModels,
                           blob: (String) throws -> [UInt8]) throws -> LearningStep {
        guard let config = state.created?.config, let node = state.nodes[id] else {
            throw EngineError(.invalidRequest, "node \(id) does not exist")
        }
        guard !node.buffer.isEmpty else { throw EngineError(.invalidRequest, "node \(id) has no buffered feedback to learn from") }
        guard let composition = SVFComposition(rawValue: config.composition) else {
            throw EngineError(.inconsistent, "unknown SVF composition '\(config.composition)' in the store's config")
        }
        guard let optimizer = optimizers[config.optimizer ?? "adam"] else {
            throw EngineError(.inconsistent, "unknown optimiser '\(config.optimizer ?? "")' in the store's config (\(optimizers.keys.sorted().joined(separator: " or ")))")
        }
        var adapters = AdapterSet(composition: composition)
        var optimizerState = OptimizerState()
        if let stored = node.adapterBlob {
            adapters = try AdapterCodec.decodeAdapters(try blob(stored))
        } else {
            for site in try EngineModels.sites(config.svfTargets, layers: models.language.model.config.layers) {
                guard let basis = models.bases[site] else { throw EngineError(.mismatch, "no SVD basis for \(site)") }
                adapters.svf[site] = composition.identity(rank: basis.rank)
            }
        }
        if let stored = node.optimizerBlob { optimizerState = try AdapterCodec.decodeOptimizer(try blob(stored)) }

        let before = Learner(language: models.language, bases: models.bases, adapters: adapters,
                             optimizer: OptimizerConfig(kind: optimizer, learningRate: config.learningRate), state: optimizerState)
        var learner = before
        let negativeWeight = config.negativeWeight ?? 1
        let episodes = node.buffer.map { feedback in
            let interaction = state.interactions[feedback.interaction]!
            return Learner.Episode(prompt: learner.promptTokens(interaction.prompt), response: learner.responseTokens(interaction.response),
                                   reward: feedback.reward < 0 ? feedback.reward * negativeWeight : feedback.reward)
        }
        let loss = learner.reinforceStep(episodes, klWeight: config.klWeight, steps: config.updateSteps ?? 1)

        var metrics: [String: Float] = [:]
        var rejection: String?
        if let tolerance = config.guardTolerance {
            let scoreBefore = controlScore(before), scoreAfter = controlScore(learner)
            metrics = ["control_before": scoreBefore, "control_after": scoreAfter, "control_drop": scoreBefore - scoreAfter]
            if scoreBefore - scoreAfter > tolerance {
                rejection = "the control set's mean log-probability per token fell by \(scoreBefore - scoreAfter) (tolerance \(tolerance))"
            }
        }
        return LearningStep(node: id, adapterBlob: AdapterCodec.encode(learner.adapters), optimizerBlob: AdapterCodec.encode(learner.state),
                            loss: loss, interactions: node.buffer.map(\.interaction), metrics: metrics, rejection: rejection)
    }

    /// Mean over the control set of the reference answer's mean log-probability per token.
    static func controlScore(_ learner: Learner) -> Float {
        let scores = ControlSet.items.map { item in
            learner.meanLogProbability(prompt: learner.promptTokens(item.prompt), response: learner.responseTokens(item.answer))
        }
        return scores.reduce(0, +) / Float(scores.count)
    }
}
