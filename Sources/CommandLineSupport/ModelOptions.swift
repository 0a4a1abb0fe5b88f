import ArgumentParser
import Foundation
import GESAL
import Models
import Tensor

/// `--model` and `--threads`, shared by the verbs that run a model.
public struct ModelOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("A Llama-family GGUF file, or a Hugging Face folder with config.json, tokenizer.json and safetensors. The default is $GESAL_MODEL when set, else the SmolLM2 file ./scripts/setup.sh unpacked.", valueName: "PATH"))
    public var model: String = ProcessInfo.processInfo.environment["GESAL_MODEL"] ?? SetupFolder.path(LanguageModel.defaultModelPath)

    @Option(help: "BLAS threads. Results are reproducible for a given thread count.")
    public var threads: Int = 2

    public func validate() throws {
        try checkOption(Limits.threads, threads, "--threads")
    }

    /// Refuses a missing model file with what to do about it.
    public func checkPresent() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("no model at \(model): run ./scripts/setup.sh, or pass --model PATH")
        }
    }

    /// Loads the chat model with its matrices held as `storage` says.
    public func load(storage: WeightStorage) throws -> LanguageModel {
        try checkPresent()
        BLAS.setThreads(threads)
        do {
            return try LanguageModel.load(model, storage: storage)
        } catch {
            throw ValidationError("cannot load the model: \(error)")
        }
    }
}
