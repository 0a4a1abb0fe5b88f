import Adaptation
import EventLog
import GESAL
import Models

/// One search of SAGE's LoRA store for a formed cluster (docs/sage.md). The cluster's labelled
/// members split by entry order (`EngineState.split`): each candidate of the store's grid is a
/// fresh LoRA trained by SFT on the training part's targets (their corrections, or answers
/// rewarded +1), prompt alone as input, then scored on the validation part: greedy answers
/// against the targets (exact match after SQuAD's normalisation), ties broken by the targets'
/// loss. The base model is scored the same way, and a candidate is kept only if it beats it.
/// Deterministic: the same state and models give the same event, bit for bit, which is what
/// `replay --reexecute` checks and what a rollback re-runs.
public struct LoRASearch: Sendable {
    public var event: AdapterTrained
    /// The kept candidate's encoded adapter, to store as a blob, if one was kept.
    public var keptBlob: [UInt8]?

    /// A training sequence: the prompt in the chat template, the target ending its turn.
    public typealias Example = (prompt: [Int], response: [Int])

    /// Runs the search for cluster `id` in `state` on the chat model `language`. `cache` holds
    /// greedy answers by adapter (the base model's may be known already); `progress` sees
    /// (optimiser steps done, total).
    public static func run(cluster id: Int, in state: EngineState, language: LanguageModel, cache: GenerationCache = GenerationCache(),
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> LoRASearch {
        guard let config = state.created?.config, let settings = config.loraStore, let storeSeed = state.created?.seed,
              let cluster = state.buffer.clusters[id] else {
            throw EngineError(.invalidRequest, "cluster \(id) is not a formed cluster of a store with a LoRA store")
        }
        let labelled = state.labelled(cluster.members)
        let targets = Dictionary(uniqueKeysWithValues: labelled.map { ($0.interaction, $0.target) })
        let split = EngineState.split(labelled.map(\.interaction))
        let tokens = Learner(language: language, adapters: AdapterSet(), optimizer: OptimizerConfig())
        func example(_ interaction: Int) -> Example {
            (tokens.promptTokens(state.interactions[interaction]!.prompt), tokens.responseTokens(targets[interaction]!))
        }
        // A sequence beyond the store's learning budget is not trained on (its memory grows
        // with the square of its length); it still scores, which needs no backward pass.
        let training = split.training.map(example).filter { $0.prompt.count + $0.response.count <= config.learningTokenBudget }
        let validation = split.validation.map(example)
        let prompts = split.validation.map { state.interactions[$0]!.prompt }

        func score(_ learner: Learner, key: String?) -> AdapterTrained.Score {
            let answers = greedyAnswers(prompts, model: key == nil ? language : learner.adapted(), key: key, maxTokens: config.maxTokens,
                                        cache: cache)
            let matches = zip(answers, split.validation).filter { TextAgreement.exactMatch($0, targets[$1]!) }.count
            let loss = validation.map { -learner.meanLogProbability(prompt: $0.prompt, response: $0.response) }.reduce(0, +)
            return AdapterTrained.Score(exactMatch: Float(matches) / Float(prompts.count), loss: loss / Float(validation.count), answers: answers)
        }
        let base = score(tokens, key: nil)

        let sites = try EngineModels.sites(settings.targets, layers: language.model.config.layers)
        let grid = settings.candidates, runLength = settings.epochs.count
        let total = (grid.count / runLength) * (settings.epochs.max() ?? 0) * training.count
        var done = 0
        var candidates: [AdapterTrained.Candidate] = []
        var blobs: [[UInt8]] = []
        for start in stride(from: 0, to: grid.count, by: runLength) {
            let run = grid[start..<(start + runLength)]
            let seed = LoRAStoreSettings.seed(store: storeSeed, cluster: id, labelled: labelled.count, candidate: run.first!)
            try train(run, seed: seed, on: training, sites: sites, language: language, step: { done += 1; progress(done, total) }) { candidate, loss, learner in
                let blob = AdapterCodec.encode(learner.adapters), hash = Hash256.of(blob).hex
                candidates.append(AdapterTrained.Candidate(settings: candidate, seed: seed, trainingLoss: loss, score: score(learner, key: hash), adapter: hash))
                blobs.append(blob)
            }
        }
        let chosen = AdapterTrained.choice(base: base, candidates: candidates)
        let event = AdapterTrained(cluster: id, training: split.training, validation: split.validation, targets: settings.targets, base: base,
                                   candidates: candidates, chosen: chosen)
        return LoRASearch(event: event, keptBlob: chosen.map { blobs[$0] })
    }

    /// Trains one run of the grid: candidates that differ only in their epochs (the grid lists
    /// them together, fewest first) share it, each being the run's learner after its epochs.
    /// A fresh LoRA at every site of `sites` from `seed` (the site's offset added), trained by
    /// SFT with Adam, one step per example in order, an epoch at a time. `reached` gets each
    /// candidate, its last epoch's mean loss and the learner; `step` is told of every step.
    public static func train(_ run: ArraySlice<LoRAStoreSettings.Candidate>, seed: UInt64, on training: [Example], sites: [LinearSite],
                             language: LanguageModel, step: () -> Void = {},
                             reached: (LoRAStoreSettings.Candidate, Float, Learner) throws -> Void) rethrows {
        guard let first = run.first else { return }
        var adapters = AdapterSet()
        for (offset, site) in sites.enumerated() {
            let (outputs, inputs) = language.model.shape(site.kind)
            adapters.lora[site] = LoRA(rank: first.rank, alpha: first.alpha, inputs: inputs, outputs: outputs, seed: seed &+ UInt64(offset))
        }
        var learner = Learner(language: language, adapters: adapters, optimizer: OptimizerConfig(kind: .adam, learningRate: first.learningRate))
        var epoch = 0, lastLoss: Float = 0
        for candidate in run {
            while epoch < candidate.epochs {
                lastLoss = 0
                for example in training {
                    lastLoss += learner.supervisedStep(prompt: example.prompt, response: example.response)
                    step()
                }
                lastLoss /= Float(max(training.count, 1))
                epoch += 1
            }
            try reached(candidate, lastLoss, learner)
        }
    }

    /// Greedy answers to `prompts` from `model` (the one `key` names), decoded as one batch;
    /// those `cache` knows are not decoded again.
    static func greedyAnswers(_ prompts: [String], model: @autoclosure () -> LanguageModel, key: String?, maxTokens: Int,
                              cache: GenerationCache) -> [String] {
        let parameters = SamplingParameters(maxTokens: maxTokens)
        var answers = prompts.map { cache.cached(adapter: key, context: ChatContext(), prompt: $0, parameters: parameters)?.text }
        let missing = answers.indices.filter { answers[$0] == nil }
        guard !missing.isEmpty else { return answers.map { $0! } }
        let generations = model().generate(missing.map { GenerationRequest(prompt: prompts[$0], parameters: parameters) })
        for (index, generation) in zip(missing, generations) {
            cache.remember(generation, adapter: key, context: ChatContext(), prompt: prompts[index], parameters: parameters)
            answers[index] = generation.text
        }
        return answers.map { $0! }
    }
}
