import ArgumentParser
import Foundation
import GESAL

/// The options of SAGE's LoRA store (`gesal init --lora-store`), with the defaults of
/// `LoRAStoreSettings` when left out.
public struct LoRAStoreOptions: ParsableArguments {
    public init() {}

    @Flag(help: "Search LoRA settings for each buffer cluster with enough labelled answers and route later prompts near it to the best: SAGE's LoRA store (needs --buffer; docs/sage.md).")
    public var loraStore = false

    @Option(help: "Labelled answers (corrected, or rewarded +1) a cluster needs before a search; it is searched again each time they double (default 4).")
    var minLabelled: Int?

    @Option(help: "Adapters the pool keeps; beyond it the one that gained least over the base model retires (default 4).")
    var poolSize: Int?

    @Option(help: "LoRA ranks to search, comma-separated (default 4).", transform: { try list($0, as: Int.init) })
    var loraRanks: [Int]?

    @Option(help: "Learning rates to search, comma-separated (default 0.001,0.003).", transform: { try list($0, as: Float.init) })
    var loraLearningRates: [Float]?

    @Option(help: "Epochs over a cluster's training part to search, comma-separated; they share one training run (default 2,4).",
            transform: { try list($0, as: Int.init) })
    var loraEpochs: [Int]?

    @Option(help: "Matrices a candidate adapts in every layer, comma-separated: q, k, v, o, gate, up, down (default gate,up,down).",
            transform: { try list($0, as: { $0 }) })
    var loraTargets: [String]?

    @Option(help: "A candidate's alpha over its rank (default 2).")
    var loraAlphaPerRank: Float?

    /// The LoRA store the options give, nil without --lora-store.
    public func settings() throws -> LoRAStoreSettings? {
        let given: [Any?] = [minLabelled, poolSize, loraRanks, loraLearningRates, loraEpochs, loraTargets, loraAlphaPerRank]
        guard loraStore else {
            guard given.allSatisfy({ $0 == nil }) else {
                throw ValidationError("--min-labelled, --pool-size and the --lora-* options set the LoRA store: add --lora-store")
            }
            return nil
        }
        let d = LoRAStoreSettings()
        return LoRAStoreSettings(minLabelled: minLabelled ?? d.minLabelled, poolSize: poolSize ?? d.poolSize, ranks: loraRanks ?? d.ranks,
                                 learningRates: loraLearningRates ?? d.learningRates, epochs: loraEpochs ?? d.epochs, targets: loraTargets ?? d.targets,
                                 alphaPerRank: loraAlphaPerRank ?? d.alphaPerRank)
    }
}

/// "4,8" as [4, 8]; an empty item or one `parse` refuses is a usage error naming it.
func list<T>(_ text: String, as parse: (String) -> T?) throws -> [T] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
        let trimmed = item.trimmingCharacters(in: .whitespaces)
        guard let value = parse(trimmed) else { throw ValidationError("'\(trimmed)' in '\(text)' is not a value this list takes") }
        return value
    }
}
