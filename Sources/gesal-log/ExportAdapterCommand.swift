import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import Adaptation
import GESAL
import SystemIO

struct ExportAdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Write an adapter as a LoRA: PEFT's format, or a GGUF LoRA for llama.cpp's --lora.",
        discussion: helpText("""
        An SVF adapter changes each adapted matrix by ΔW = U diag(σ' − σ) Vᵀ. That is a LoRA with
        B = U diag(σ' − σ) and A = Vᵀ: exact at the basis' full rank (576 for SmolLM2-135M, about
        437 MB of Float32 for 90 matrices), approximate below it. --rank R keeps each matrix's R
        largest changes and prints relative_error=, the Frobenius norm of what was dropped over
        that of the whole change. lora_alpha = r, so PEFT's scale is 1. The SVD is of the GGUF's
        dequantised weights, so the LoRA applies to the Hugging Face copy of the same base model
        up to that quantisation.

        --format peft writes a folder (adapter_model.safetensors, adapter_config.json);
        --format gguf-lora writes one file that llama.cpp applies to the base GGUF with --lora.

        Examples:
          gesal-log audit node 1 --store .gesal            (lists the node's adapters)
          gesal-log export adapter c984b0c3 --store .gesal --output lora-full
          gesal-log export adapter c984b0c3 --store .gesal --rank 16 --output lora-r16
          gesal-log export adapter c984b0c3 --store .gesal --format gguf-lora --output lora.gguf
          llama-cli -m SmolLM2-135M-Instruct.Q4_1.gguf --lora lora.gguf -p "What is 12 + 7?"
        """))

    @OptionGroup var location: StoreLocation

    @Argument(help: ArgumentHelp("The adapter: 6 or more hex digits of its blob hash.", valueName: "ADAPTER"))
    var adapter: String

    @Option(help: "The branch the adapter is on.")
    var branch: String = "main"

    @Option(help: "The output format: peft or gguf-lora.")
    var format: String = "peft"

    @Option(help: "Keep each matrix's R largest changes (default: all, exact).")
    var rank: Int?

    @Option(help: ArgumentHelp("The folder to write (peft; created if missing) or the file (gguf-lora).", valueName: "PATH"))
    var output: String

    @OptionGroup var models: EngineModelOptions

    func validate() throws {
        guard format == "peft" || format == "gguf-lora" else { throw ValidationError("--format must be peft or gguf-lora, not '\(format)'") }
        if let rank, !(1...4096).contains(rank) { throw ValidationError("--rank must be 1 to 4096, not \(rank)") }
    }

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            let hash = try ModelExporting.adapter(adapter, in: store, branch: branch)
            guard let created = try Engine.storeCreated(at: location.store, branch: branch) else {
                throw ValidationError("branch '\(branch)' of \(location.storeShown) has no GESAL history")
            }
            let loaded = try models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                               storage: created.weightStorage)
            for warning in try loaded.check(created) { writeStandardError("warning: \(warning)\n") }
            let blob = try store.blob(hex: hash), fs = FileSystem()
            let result: PEFTExport.Result, size: Int
            if format == "gguf-lora" {
                let (bytes, made) = try ModelExporting.ggufLoRA(models: loaded, blob: blob, rank: rank)
                try fs.writeAtomically(output, bytes)
                (result, size) = (made, bytes.count)
            } else {
                let (weights, config, made) = try ModelExporting.peft(models: loaded, blob: blob, rank: rank)
                if !fs.exists(output) { try fs.createDirectory(output) }
                try fs.writeAtomically(output + "/adapter_model.safetensors", weights)
                try fs.writeAtomically(output + "/adapter_config.json", config)
                (result, size) = (made, weights.count)
            }
            print("wrote \(output): adapter \(hash.prefix(12)), \(result.pairs.count) matrices, rank \(result.rank), \(size / 1_000_000) MB")
            print("relative_error=\(String(format: "%.6f", result.relativeError))")
        }
    }
}
