import ArgumentParser
import CommandLineSupport
import Tensor

@main
struct GESALBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal-bench",
        abstract: "Measure GESAL. Every benchmark prints machine-readable name=value lines.",
        discussion: helpText("""
        Run release builds for real numbers:
          swift run -c release gesal-bench log
          swift run -c release gesal-bench crash --trials 200
          swift run -c release gesal-bench infer
          swift run -c release gesal-bench serve
          swift run -c release gesal-bench t2
        """),
        subcommands: [LogBenchmark.self, CrashBenchmark.self, InferBenchmark.self, TrainBenchmark.self, MergeNoiseBenchmark.self, EngineBenchmark.self, ServeBenchmark.self, MemoryBenchmark.self, SAGEBenchmark.self, T2Benchmark.self, SEALBenchmark.self, CrashWriter.self, CrashEngineWorker.self, SVDLoadBenchmark.self, DeterminismCheck.self, PostgresBenchmark.self])

    /// Makes sure OpenBLAS runs its fast kernels (see `BLASKernels`), then parses the command.
    static func main() async {
        BLASKernels.restartWithPreferredKernels()
        await Self.main(nil)
    }
}
