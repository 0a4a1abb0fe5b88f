import EventLog
import GESAL

/// SAGE's LoRA store without models, on `BufferFixture`'s stream with every answer corrected:
/// both clusters form in round 6 with three labelled members each, so a search of either is
/// due; `search` makes one the fold accepts, with the figures a test chooses.
public enum PoolFixture {
    /// A grid of two candidates (two learning rates), searched at 2 labelled members, a pool of 1.
    public static let settings = LoRAStoreSettings(minLabelled: 2, poolSize: 1, ranks: [2], learningRates: [1e-3, 3e-3], epochs: [1],
                                                   targets: ["down"])

    /// The state after `count` interactions entered, and every event so far.
    public static func stream(_ count: Int = 6, settings: LoRAStoreSettings = settings) throws -> (state: EngineState, events: [DomainEvent]) {
        let (state, events, _) = try BufferFixture.stream(count, loraStore: settings)
        return (state, events)
    }

    /// A made-up adapter hash, distinct per name: the hash of the name's UTF-8 bytes, so a test can store them as its blob.
    public static func hash(_ name: String) -> String { Hash256.of(Array(name.utf8)).hex }

    /// A search of `cluster` as the rules make it (split, grid, seeds, choice) with the base
    /// model matching `base` of the validation answers and the candidates `matches`.
    public static func search(_ cluster: Int, in state: EngineState, base: Float = 0, matches: [Float] = [1, 0]) -> AdapterTrained {
        let settings = state.created!.config.loraStore!
        let labelled = state.labelled(state.buffer.clusters[cluster]!.members).map(\.interaction)
        let split = EngineState.split(labelled)
        func score(_ match: Float) -> AdapterTrained.Score {
            AdapterTrained.Score(exactMatch: match, loss: 2 - match, answers: split.validation.map { "answer \($0)" })
        }
        let candidates = zip(settings.candidates, matches).enumerated().map { index, pair in
            AdapterTrained.Candidate(settings: pair.0, seed: LoRAStoreSettings.seed(store: state.created!.seed, cluster: cluster, labelled: labelled.count,
                                                                                  candidate: pair.0),
                                     trainingLoss: 1, score: score(pair.1), adapter: hash("cluster \(cluster) candidate \(index)"))
        }
        let baseScore = score(base)
        return AdapterTrained(cluster: cluster, training: split.training, validation: split.validation, targets: settings.targets, base: baseScore,
                              candidates: candidates, chosen: AdapterTrained.choice(base: baseScore, candidates: candidates))
    }
}
