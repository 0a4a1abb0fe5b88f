import ArgumentParser
import Engine
import EventLog
import Foundation
import GESAL
import Models

/// `--store`, `--branch` and the models' options, shared by every verb that runs the engine.
public struct EngineOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("The store's folder (created on first use).", valueName: "DIR"))
    public var store: String = ".gesal"

    @Option(help: "The branch to work on.")
    public var branch: String = "main"

    @OptionGroup public var models: EngineModelOptions

    /// Opens the engine on `--branch` of `--store`, creating the store with `config`,
    /// `embedder` and `seed` if it does not exist. Warnings go to standard error.
    public func openEngine(config: EngineConfig = EngineConfig(), embedder: String = "minilm", seed: UInt64 = 0) throws -> Engine {
        let created = try Engine.storeCreated(at: store, branch: branch)
        let models = try self.models.loadModels(embedder: created?.embedder ?? embedder, svfTargets: created?.config.svfTargets ?? config.svfTargets)
        let writer: LogWriter
        if LogStore.exists(at: store) {
            writer = try openLogWriter(at: store)
        } else {
            writer = try LogWriter.create(at: store)
            writeStandardError("created store \(store)\n")
        }
        let engine = try Engine(writer: writer, branch: branch, models: models, config: config, seed: seed)
        for warning in engine.warnings { writeStandardError("warning: \(warning)\n") }
        return engine
    }
}
