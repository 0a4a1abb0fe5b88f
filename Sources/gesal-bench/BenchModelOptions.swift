import ArgumentParser
import Models

/// `--model` and `--threads`, shared by the benchmarks that run a model.
struct BenchModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model (GGUF file or Hugging Face folder).", valueName: "PATH"))
    var model = LanguageModel.defaultModelPath

    @Option(help: "BLAS threads (results are reproducible for a given thread count).")
    var threads = 2
}
