import Models
import Tensor

/// Learning on a chat model: turns (prompt, response) pairs into training steps on an adapter
/// set, and answers with the adapted model. Holds no clock and no hidden randomness: the same
/// calls in the same order give the same adapters bit for bit.
public struct Learner: Sendable {
    public let language: LanguageModel
    public let bases: [LinearSite: SVFBasis]
    public let optimizer: OptimizerConfig
    public private(set) var adapters: AdapterSet
    public private(set) var state = OptimizerState()
    /// Whether steps move the LoRA factors. False holds them as they are (an imported LoRA
    /// under GESAL's SVF learning): their gradients are dropped before the optimiser sees them.
    public var trainsLoRA = true
    /// What the training passes' products run on: a store's steps use what it records
    /// (`TrainingProducts(recordedName:)`), so that re-executing them gives the same bits.
    public var products = TrainingProducts.openBLAS

    /// One rewarded answer: the prompt's tokens (in the chat template), the response's, and
    /// its reward.
    public struct Episode: Sendable {
        public var prompt: [Int]
        public var response: [Int]
        public var reward: Float

        public init(prompt: [Int], response: [Int], reward: Float) {
            self.prompt = prompt
            self.response = response
            self.reward = reward
        }
    }

    /// Starts from `adapters` and the optimiser `state` an earlier learner left (fresh by default).
    public init(language: LanguageModel, bases: [LinearSite: SVFBasis] = [:], adapters: AdapterSet, optimizer: OptimizerConfig,
                state: OptimizerState = OptimizerState()) {
        self.language = language
        self.bases = bases
        self.adapters = adapters
        self.optimizer = optimizer
        self.state = state
    }

    /// The prompt in the chat template, and the token that ends the assistant's turn.
    public func promptTokens(_ prompt: String) -> [Int] {
        language.tokenizer.encode(language.template.render(user: prompt))
    }

    /// A response's tokens, ending its turn (so that learning also teaches when to stop).
    public func responseTokens(_ response: String) -> [Int] {
        language.tokenizer.encode(response) + language.template.endOfTurnTokens.prefix(1).compactMap { language.tokenizer.tokens.firstIndex(of: $0) }
    }

    /// One supervised step towards `response`; returns the loss before the step.
    @discardableResult
    public mutating func supervisedStep(prompt: [Int], response: [Int]) -> Float {
        step(tokens: prompt + response, scored: Objective.supervised(promptLength: prompt.count, response: response))
    }

    /// `steps` REINFORCE steps over rewarded episodes (their losses summed in each); returns
    /// the loss before the first step. With `klWeight`, each episode's loss adds klWeight ·
    /// mean KL(adapted ‖ base) over its response positions, which keeps the model from drifting
    /// away wherever the rewards do not pull. The base model's rows are computed once for all
    /// the steps.
    @discardableResult
    public mutating func reinforceStep(_ episodes: [Episode], klWeight: Float = 0, steps: Int = 1) -> Float {
        let episodes = episodes.filter { !$0.response.isEmpty }
        let scored = episodes.map { Objective.reinforce(promptLength: $0.prompt.count, response: $0.response, reward: $0.reward) }
        let references = zip(episodes, scored).map { episode, scored in
            klWeight == 0 ? nil
                : TrainingPass(model: language.model, adapters: AdapterSet(), products: products).logProbabilityRows(tokens: episode.prompt + episode.response,
                                                                                                  positions: scored.map(\.position))
        }
        var firstLoss: Float = 0
        for step in 0..<max(steps, 1) {
            var total = AdapterGradients()
            var loss: Float = 0
            for (index, episode) in episodes.enumerated() {
                let result = TrainingPass(model: language.model, bases: bases, adapters: adapters, products: products)
                    .run(tokens: episode.prompt + episode.response, scored: scored[index], reference: references[index],
                         klWeight: klWeight / Float(scored[index].count))
                loss += result.loss
                total.add(result.gradients)
            }
            optimise(total)
            if step == 0 { firstLoss = loss }
        }
        return firstLoss
    }

    private mutating func optimise(_ gradients: AdapterGradients) {
        var gradients = gradients
        if !trainsLoRA {
            gradients.loraA.removeAll()
            gradients.loraB.removeAll()
        }
        Optimizer.step(&adapters, gradients: gradients, state: &state, config: optimizer)
    }

    /// The mean log-probability per token of `response` after `prompt` under the adapted
    /// model (no step taken): how well the model still knows a reference answer.
    public func meanLogProbability(prompt: [Int], response: [Int]) -> Float {
        precondition(!response.isEmpty, "an empty response has no probability to score")
        let positions = response.indices.map { prompt.count + $0 - 1 }
        let rows = TrainingPass(model: language.model, bases: bases, adapters: adapters, products: products)
            .logProbabilityRows(tokens: prompt + response, positions: positions)
        return zip(rows, response).map { row, token in row[token] }.reduce(0, +) / Float(response.count)
    }

    private mutating func step(tokens: [Int], scored: [ScoredToken]) -> Float {
        let result = TrainingPass(model: language.model, bases: bases, adapters: adapters, products: products).run(tokens: tokens, scored: scored)
        optimise(result.gradients)
        return result.loss
    }

    /// The chat model with the current adapters merged in (computed once per call; keep it
    /// while the adapters do not change).
    public func adapted() -> LanguageModel {
        language.adapted(adapters, bases: bases)
    }
}

extension AdapterGradients {
    /// Adds another set of gradients into this one.
    public mutating func add(_ other: AdapterGradients) {
        func merge(_ into: inout [LinearSite: [Float]], _ from: [LinearSite: [Float]]) {
            for (site, g) in from { into[site] = into[site].map { zip($0, g).map(+) } ?? g }
        }
        merge(&loraA, other.loraA)
        merge(&loraB, other.loraB)
        merge(&svf, other.svf)
    }
}
