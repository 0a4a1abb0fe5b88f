import Adaptation
import EventLog
import Foundation
import GESAL
import Models
import Tasks

/// Transformer²'s few-shot adaptation (docs/transformer2.md): a cross-entropy-method search for
/// weights α that mix the library's experts, `z' = Σ αₖ zₖ` at every site (one αₖ per expert,
/// or per matrix one αₖ for each site), scored on a few shots of a task. Each generation draws
/// `population` α from a normal distribution per weight
/// (clamped to [0, 1]), scores each mix on the shots (right answers, ties broken by the
/// true answers' mean log-probability per token), and fits the next distribution to the best
/// `elites`. The best candidate of all generations is the new expert. Deterministic: the same
/// shots, experts, settings and models give the same event and blob bit for bit.
public struct ExpertMixing: Sendable {
    public var event: ExpertMixed
    public var blob: [UInt8]

    /// The task's shots: the first `shots` items of its training part.
    public static func shots(_ settings: MixSettings, words: () throws -> [String]) throws -> [ExpertItem] {
        let splits = try ExpertTraining.splits(ExpertSettings(task: settings.task, items: settings.items, itemSeed: settings.itemSeed), words: words)
        guard splits.training.count >= settings.shots else {
            throw EngineError(.invalidRequest, "the task \(settings.task) has \(splits.training.count) training items, fewer than the \(settings.shots) shots asked (generate more with --items)")
        }
        return ExpertTraining.recorded(Array(splits.training.prefix(settings.shots)))
    }

    /// Runs the search over `experts` (names in order, and their adapter blobs); `progress`
    /// sees (generations done, total).
    public static func run(name: String, settings: MixSettings, experts: [(name: String, adapter: String)], shots: [ExpertItem],
                           models: EngineModels, blob: (String) throws -> [UInt8], progress: (Int, Int) -> Void = { _, _ in }) throws -> ExpertMixing {
        try settings.validate()
        guard !experts.isEmpty else { throw EngineError(.invalidRequest, "the library holds no expert to mix (gesal expert train NAME --task T)") }
        guard !shots.isEmpty else { throw EngineError(.invalidRequest, "a CEM search needs at least one shot of the task") }
        let sets = try experts.map { try AdapterCodec.decodeAdapters(try blob($0.adapter)) }
        guard Set(sets.map(\.composition)).count == 1, Set(sets.map { Set($0.svf.keys) }).count == 1, sets.allSatisfy({ $0.lora.isEmpty }) else {
            throw EngineError(.invalidRequest, "experts \(experts.map(\.name).joined(separator: ", ")) cannot be mixed: they must share one composition and the same SVF sites, and hold no LoRA")
        }
        let bases = try models.bases()
        let language = models.language
        let tokens = Learner(language: language, adapters: AdapterSet(), optimizer: OptimizerConfig())
        let episodes = shots.map { (tokens.promptTokens($0.prompt), tokens.responseTokens($0.answer)) }
        let parameters = SamplingParameters(maxTokens: settings.maxTokens)
        let weights = settings.perMatrix ? experts.count * sets[0].svf.count : experts.count
        func mix(_ alpha: [Float]) -> AdapterSet { Self.mix(sets, alpha: alpha, perMatrix: settings.perMatrix) }
        func fitness(_ alpha: [Float]) -> ExpertMixed.Fitness {
            let adapters = mix(alpha)
            let answers = language.adapted(adapters, bases: bases).generate(shots.map { GenerationRequest(prompt: $0.prompt, parameters: parameters) })
            let right = zip(answers, shots).count { AnswerExtraction.isCorrect($0.text, for: TaskItem(task: settings.task, prompt: $1.prompt, given: $1.answer)) }
            let learner = Learner(language: language, bases: bases, adapters: adapters, optimizer: OptimizerConfig())
            let likelihood = episodes.map { learner.meanLogProbability(prompt: $0.0, response: $0.1) }.reduce(0, +) / Float(episodes.count)
            return ExpertMixed.Fitness(accuracy: Float(right) / Float(shots.count), logLikelihood: likelihood)
        }

        var random = RandomSource(seed: settings.seed)
        var mean = [Float](repeating: 1 / Float(experts.count), count: weights)
        var spread = [Float](repeating: settings.initialSpread, count: weights)
        var generations: [ExpertMixed.Generation] = []
        for generation in 1...settings.generations {
            let candidates = (0..<settings.population).map { _ in
                zip(mean, spread).map { min(1, max(0, $0 + $1 * Float(random.normal()))) }
            }
            let scored = candidates.map { (alpha: $0, fitness: fitness($0)) }
            // Best first; equal fitness keeps drawing order, so the ranking is one for every run.
            let ranked = scored.indices.sorted { a, b in
                scored[a].fitness.beats(scored[b].fitness) || (scored[a].fitness == scored[b].fitness && a < b)
            }.map { scored[$0] }
            let elites = ranked.prefix(settings.elites).map(\.alpha)
            generations.append(ExpertMixed.Generation(mean: mean, spread: spread, best: ranked[0].alpha, bestFitness: ranked[0].fitness,
                                                      meanAccuracy: scored.map(\.fitness.accuracy).reduce(0, +) / Float(scored.count)))
            let count = Float(elites.count)
            mean = (0..<weights).map { (k: Int) -> Float in elites.map { $0[k] }.reduce(0, +) / count }
            spread = (0..<weights).map { (k: Int) -> Float in
                let squares: [Float] = elites.map { ($0[k] - mean[k]) * ($0[k] - mean[k]) }
                return (squares.reduce(0, +) / count).squareRoot()
            }
            progress(generation, settings.generations)
        }
        let best = generations[ExpertMixed.choice(generations)!]
        let blob = AdapterCodec.encode(mix(best.best))
        let event = ExpertMixed(name: name, settings: settings, experts: experts.map(\.name), adapters: experts.map(\.adapter), shots: shots,
                                generations: generations, alpha: best.best, fitness: best.bestFitness, adapter: Hash256.of(blob).hex)
        return ExpertMixing(event: event, blob: blob)
    }

    /// The experts' SVF vectors mixed, `z' = Σ αₖ zₖ` at every site. Per matrix, expert k's
    /// weight at the i-th site (in site order) is α[k · sites + i]; else α[k] everywhere. The
    /// sets share one composition and their sites.
    static func mix(_ sets: [AdapterSet], alpha: [Float], perMatrix: Bool) -> AdapterSet {
        var mixed = AdapterSet(composition: sets[0].composition)
        let sites = sets[0].svf.keys.sorted()
        for (index, site) in sites.enumerated() {
            var z = [Float](repeating: 0, count: sets[0].svf[site]!.count)
            for (k, set) in sets.enumerated() {
                let weight = alpha[perMatrix ? k * sites.count + index : k]
                for i in z.indices { z[i] += weight * set.svf[site]![i] }
            }
            mixed.svf[site] = z
        }
        return mixed
    }

    /// How a search run again differs from the recorded one.
    public static func differences(_ again: ExpertMixed, _ recorded: ExpertMixed) -> [String] {
        var found: [String] = []
        for (index, (a, r)) in zip(again.generations, recorded.generations).enumerated() where a != r {
            found.append("generation \(index + 1) differs (best accuracy \(a.bestFitness.accuracy) ≠ recorded \(r.bestFitness.accuracy))")
        }
        if again.generations.count != recorded.generations.count { found.append("\(again.generations.count) generations ≠ recorded \(recorded.generations.count)") }
        if again.alpha != recorded.alpha { found.append("α \(again.alpha) ≠ recorded \(recorded.alpha)") }
        if again.adapter != recorded.adapter { found.append("adapter \(again.adapter.prefix(12)) ≠ recorded \(recorded.adapter.prefix(12))") }
        return found
    }
}

extension RandomSource {
    /// A standard normal draw (Box–Muller, the cosine half), from two uniforms.
    mutating func normal() -> Double {
        let u = 1 - unit(), v = unit()  // u in (0, 1]: the logarithm stays finite
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}
