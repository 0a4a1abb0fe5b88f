import Adaptation
import ArgumentParser
import Engine
import Foundation
import Models

/// The chat model, the MiniLM folder and the SVD cache: what the engine's models load from.
/// Shared by the verbs that run the engine, `gesal eval` and `gesal-bench engine`.
public struct EngineModelOptions: ParsableArguments {
    public init() {}

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: ArgumentHelp("The MiniLM folder (model.safetensors, config.json, tokenizer.json).", valueName: "DIR"))
    public var minilm: String = ProcessInfo.processInfo.environment["GESAL_EMBEDDER"] ?? BertModel.defaultFolder

    @Option(help: ArgumentHelp("Where SVD bases are cached (computed once per model, about 15 s).", valueName: "DIR"))
    public var svdCache: String = SVFBasisCache.defaultFolder

    /// Loads the chat model, the `embedder` ("minilm" or "hidden-mean") and the SVD bases of
    /// `svfTargets`, with a progress bar while the bases are computed.
    public func loadModels(embedder: String, svfTargets: [String]) throws -> EngineModels {
        try modelOptions.checkPresent()
        let progress = ProgressReporter("SVD bases (once per model)")
        let models = try EngineModels.load(modelPath: modelOptions.model, embedder: embedder, miniLMFolder: minilm, svdCache: svdCache,
                                           svfTargets: svfTargets, threads: modelOptions.threads) { _, done, total in progress.update(done, total) }
        progress.finish()
        return models
    }
}
