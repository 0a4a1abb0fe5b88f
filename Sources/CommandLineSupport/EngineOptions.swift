import ArgumentParser
import Engine
import EventLog
import Foundation
import GESAL
import Models
import PostgresLog

/// `--store`, `--branch` and the models' options, shared by every verb that runs the engine.
public struct EngineOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("The store: a folder, from the working directory, or a postgres:// URL shared by several workers ($GESAL_STORE sets the default). ask, chat and init create it when it is missing.", valueName: "STORE"))
    public var store: String = SetupFolder.defaultStore

    /// `--store` fit to print: a URL's password replaced by `***`.
    public var storeShown: String { PostgresLocation.redacted(store) }

    @Option(help: "The branch to work on.")
    public var branch: String = "main"

    @OptionGroup public var models: EngineModelOptions

    /// Opens the engine on `--branch` of `--store`. With `create`, a missing store (or an empty
    /// branch) is started with `config`, `embedder` and `seed`, and says so; without it, a
    /// missing store is an error that says how to make one. Warnings go to standard error.
    public func openEngine(config: EngineConfig = EngineConfig(), embedder: String = "minilm", seed: UInt64 = 0,
                           create: Bool = true) throws -> Engine {
        let created = try Engine.storeCreated(at: store, branch: branch)
        guard created != nil || create else {
            throw ValidationError("no GESAL history on branch '\(branch)' of \(storeShown): ask something first (`gesal ask`), or create a store with `gesal init`")
        }
        let models = try self.models.loadModels(embedder: created?.embedder ?? embedder, svfTargets: created?.config.svfTargets ?? config.svfTargets,
                                                storage: created?.weightStorage)
        let writer = try openHistoryWriter(store)
        let engine = try Engine(writer: writer, branch: branch, models: models, config: config, seed: seed)
        if created == nil {
            writeStandardError("created store \(storeShown) (branch \(branch)) with \(config == EngineConfig() ? "the default settings" : "the settings given")\n")
        }
        for warning in engine.warnings { writeStandardError("warning: \(warning)\n") }
        return engine
    }
}
