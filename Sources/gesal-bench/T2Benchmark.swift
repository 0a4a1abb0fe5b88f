import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import Engine
import GESAL
import Models
import SystemIO
import Tasks

struct T2Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "t2",
        abstract: "Transformer²: what an expert's training step and each dispatch strategy cost.",
        discussion: helpText("""
          expert_train_step_ms     one training step of an expert on --batch arithmetic prompts:
                                   greedy rollouts with the expert as it stands, REINFORCE with the
                                   reference answers (up to 2 x batch episodes, KL to the base model),
                                   Adam, and merging the new SVF vectors into the weights; the
                                   mean of the steps between the first and the last (which
                                   validates), on a fresh store
          answer_ms                a greedy answer of up to --max-tokens tokens by the base model,
                                   per prompt, decoded as one batch of --batch prompts
          dispatch_overhead_ms_S   what strategy S adds to an answer, per prompt, for a batch of
                                   --batch prompts: embedding (MiniLM and a cosine per expert),
                                   prompt (the model classifies the prompt: an 8-token answer)
          dispatch_vs_answer_ratio_S  dispatch_overhead_ms_S / answer_ms
          cem_generation_s         one generation of a few-shot CEM search: --cem-population mixes of
                                   the trained expert, each merged into the weights, answering
                                   --shots subtraction prompts and scoring their true answers'
                                   likelihood
          cem_candidate_vs_answer_ratio  one candidate's share over answer_ms x --shots

        Example:
          swift run -c release gesal-bench t2 --threads 2
        """))

    @OptionGroup var models: EngineModelOptions

    @Option(help: "Prompts per training step and per dispatch batch.")
    var batch = 8

    @Option(help: "Training steps (at least 3: the first and the last are not timed).")
    var steps = 4

    @Option(help: "The longest answer, in tokens.")
    var maxTokens = 16

    @Option(help: "Candidates of the timed CEM generation (Transformer²'s: 32).")
    var cemPopulation = 32

    @Option(help: "Shots the CEM candidates are scored on.")
    var shots = 10

    func validate() throws {
        guard steps >= 3 else { throw ValidationError("--steps must be at least 3: the first and the last step are not timed") }
        try checkOption(Limits.expertBatch, batch, "--batch")
        try checkOption(Limits.mixPopulation, cemPopulation, "--cem-population")
        try checkOption(Limits.mixShots, shots, "--shots")
    }

    func run() throws {
        let loaded = try models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-bench-t2")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = try Engine(writer: try LogWriter.create(at: folder + "/store"), models: loaded)
        let settings = ExpertSettings(task: "arithmetic", items: 60, steps: steps, batch: batch, validateEvery: steps, maxTokens: maxTokens)
        var stamps: [Double] = []
        let trained = try engine.trainExpert(name: "bench", settings: settings, words: { [] }) { _, _ in stamps.append(monotonicSeconds()) }
        let stepEnds = Array(stamps.dropLast())  // the last step's interval includes its validation
        print(line("expert_train_step_ms", (stepEnds.last! - stepEnds.first!) / Double(stepEnds.count - 1) * 1000))

        let prompts = TaskGenerators.multiplication(count: batch, seed: 9).map(\.prompt)
        let parameters = SamplingParameters(maxTokens: maxTokens)
        let answer = bestOf(3) { _ = loaded.language.generate(prompts.map { GenerationRequest(prompt: $0, parameters: parameters) }) } / Double(batch)
        print(line("answer_ms", answer * 1000, decimals: 2))
        let dispatcher = try Dispatcher(trained: [trained], models: loaded)
        for strategy in [DispatchStrategy.embedding, .prompt] {
            let overhead = bestOf(3) { _ = dispatcher.decide(prompts, strategy: strategy) } / Double(batch)
            print(line("dispatch_overhead_ms_\(strategy.rawValue)", overhead * 1000, decimals: 2))
            print(line("dispatch_vs_answer_ratio_\(strategy.rawValue)", overhead / answer, decimals: 3))
        }

        let mix = MixSettings(task: "subtraction", items: 60, shots: shots, population: cemPopulation, elites: 1, generations: 1, maxTokens: maxTokens)
        var failure: Error?
        let generation = timed {
            do { try engine.adaptExpert(name: "bench-mix", settings: mix, words: { [] }) } catch { failure = error }
        }
        if let failure { throw failure }
        print(line("cem_generation_s", generation, decimals: 2))
        print(line("cem_candidate_vs_answer_ratio", generation / Double(cemPopulation) / (answer * Double(shots)), decimals: 2))
    }
}
