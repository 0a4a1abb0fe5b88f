import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Models
import SystemIO

struct ExportModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Write the chat model with a node's adapter merged in, as a GGUF llama.cpp loads.",
        discussion: helpText("""
        The node's SVF adapter is merged into the weights (W' = U diag(σ') Vᵀ, exactly as GESAL
        answers with it), and every weight is written in --type: f32 (bit for bit what GESAL
        computes with), f16 or q8_0 (vectors stay f32). The metadata (tokenizer, chat template,
        architecture) is the source model's, byte for byte, with general.file_type set to match
        and gesal.adapter, gesal.node, gesal.branch and gesal.base_model_fingerprint added.

        Examples:
          gesal-log export model --store .gesal --type f16 --output merged.gguf
          gesal-log export model --store .gesal-demo --branch without-poison --node 3 --type q8_0 --output n3.gguf
          llama-cli -m merged.gguf -p "What is 12 + 7?"
          gesal generate --model merged.gguf "What is 12 + 7?"

        Without --node, the branch must have exactly one node with an adapter.
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch whose node to export.")
    var branch: String = "main"

    @Option(help: "The node whose adapter to merge (default: the only node with one).")
    var node: Int?

    @Option(help: "The weights' type: f32, f16 or q8_0.")
    var type: String = "f16"

    @Option(help: ArgumentHelp("The GGUF file to write.", valueName: "FILE"))
    var output: String

    @OptionGroup var models: EngineModelOptions

    static let types: [String: GGMLType] = ["f32": .f32, "f16": .f16, "q8_0": .q8_0]

    func validate() throws {
        guard Self.types[type] != nil else { throw ValidationError("--type must be f32, f16 or q8_0, not '\(type)'") }
        if let node, node < 1 { throw ValidationError("--node must be a node number (1, 2, ...), not \(node)") }
    }

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            let replay = try Replay.run(store, branch: branch)
            guard let created = replay.state.created else { throw ValidationError("branch '\(branch)' of \(location.storeShown) has no GESAL history") }
            let (chosen, adapter) = try ModelExporting.node(node, in: replay.state, branch: branch)
            let loaded = try models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                               storage: created.weightStorage)
            let warnings = try loaded.check(created)
            for warning in warnings { writeStandardError("warning: \(warning)\n") }
            writeStandardError("merging node \(chosen)'s adapter \(adapter.prefix(12)) into \(URL(fileURLWithPath: loaded.language.path).lastPathComponent)\n")
            let bytes = try ModelExporting.mergedGGUF(models: loaded, blob: try store.blob(hex: adapter), adapter: adapter, node: chosen,
                                                      branch: branch, type: Self.types[type]!)
            try FileSystem().writeAtomically(output, bytes)
            print("wrote \(output): node \(chosen), adapter \(adapter.prefix(12)), \(type), \(bytes.count / 1_000_000) MB")
        }
    }
}
