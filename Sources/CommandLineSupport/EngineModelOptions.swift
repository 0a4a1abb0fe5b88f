import Adaptation
import ArgumentParser
import Engine
import Foundation
import Models
import Tensor

extension WeightStorage: ExpressibleByArgument {}

/// The chat model, the MiniLM folder and the SVD cache: what the engine's models load from.
/// Shared by the verbs that run the engine, `gesal eval` and `gesal-bench engine`.
public struct EngineModelOptions: ParsableArguments {
    public init() {}

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: ArgumentHelp("The MiniLM folder (model.safetensors, config.json, tokenizer.json). The default is $GESAL_EMBEDDER when set, else the one ./scripts/setup.sh unpacked.", valueName: "DIR"))
    public var minilm: String = ProcessInfo.processInfo.environment["GESAL_EMBEDDER"] ?? SetupFolder.path(BertModel.defaultFolder)

    @Option(help: ArgumentHelp("Where SVD bases are cached (computed once per model, about 15 s).", valueName: "DIR"))
    public var svdCache: String = SetupFolder.path(SVFBasisCache.defaultFolder)

    @Option(help: ArgumentHelp("""
        How a new store's model holds its matrices: blocks-svf-int16 (the default: the file's quantised blocks, \
        a fifth of the memory, faster answers, the same bits on every CPU; a LoRA runs beside the blocks, an \
        SVF-adapted matrix is merged from 16-bit integer factors, about twice as fast as in Float32 with \
        AVX-512 VNNI, and re-quantised to Q8_0), blocks-lora-beside (the same with the merge in Float32, the \
        default until 2026-12-07: its bits depend on OpenBLAS's kernel set), blocks-svf-q5 (SVF re-quantised \
        to Q5_0: adapted \
        answers about 15% faster, and that rounding alone turned 34 of 212 right control answers wrong; see \
        `gesal-bench merge-noise`), blocks (LoRAs merge and re-quantise to Q8_0 too) or float32 (dequantised at \
        load). An existing store always uses the one it was made with.
        """, valueName: "blocks-svf-int16|blocks-lora-beside|blocks-svf-q5|blocks|float32"))
    public var weights: WeightStorage = .defaultForNewStores

    /// Loads the chat model (its matrices held as `storage`, else as `--weights` says) and the
    /// `embedder` ("minilm" or "hidden-mean"); the SVD bases of `svfTargets` load when an
    /// adapter first needs them, with a progress bar.
    public func loadModels(embedder: String, svfTargets: [String], storage: WeightStorage? = nil) throws -> EngineModels {
        try modelOptions.checkPresent()
        let progress = ProgressReporter("SVD bases")
        return try EngineModels.load(modelPath: modelOptions.model, embedder: embedder, miniLMFolder: minilm, svdCache: svdCache,
                                     svfTargets: svfTargets, threads: modelOptions.threads, storage: storage ?? weights) { _, done, total in
            progress.update(done, total)
            if done == total { progress.finish() }
        }
    }
}
