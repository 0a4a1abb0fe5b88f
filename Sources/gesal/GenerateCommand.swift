import ArgumentParser
import CommandLineSupport
import Foundation
import GESAL
import Models
import Tensor

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Answer one prompt with the plain model (no store, no learning), streaming the answer.",
        discussion: helpText("""
        The prompt is wrapped in the model's chat template (ChatML for SmolLM2). With
        --temperature 0 (the default) the answer is greedy and always the same; with a
        temperature, --seed makes it reproducible.

        Examples:
          gesal generate "What is the capital of France?"
          gesal generate --temperature 0.8 --top-p 0.9 --seed 7 "Write a haiku."
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The prompt.")
    var prompt: String

    @Option(help: "An optional system message.")
    var system: String?

    @Option(help: "0 for greedy; higher is more random.")
    var temperature: Float = 0

    @Option(help: "Sample only from the k most likely tokens (0: all).")
    var topK: Int = 0

    @Option(help: "Sample only from the most likely tokens whose probability adds up to p.")
    var topP: Float = 1

    @Option(help: "Penalise recently generated tokens (1: off).")
    var repetitionPenalty: Float = 1

    @Option(help: "Seed for sampling.")
    var seed: UInt64 = 0

    @Option(help: "Stop after this many tokens.")
    var maxTokens: Int = 256

    @Option(help: "Stop when the answer ends with this text (repeatable).")
    var stop: [String] = []

    @Option(help: ArgumentHelp("""
        How the model's matrices are held: the file's quantised blocks (blocks-svf-int16, the default; \
        blocks-lora-beside, blocks and blocks-svf-q5 are the same without adapters), or float32 (dequantised at load: five times the memory, \
        slower, what generate used before 2026-12-06; answers differ from the blocks' in the last bits of the logits).
        """, valueName: "blocks-svf-int16|float32"))
    var weights: WeightStorage = .defaultForNewStores

    @Flag(help: "Send the prompt as it is, without the chat template.")
    var raw = false

    @Flag(help: "Print token counts and speed on standard error.")
    var verbose = false

    func validate() throws {
        try checkOption(Limits.temperature, temperature, "--temperature")
        try checkOption(Limits.topK, topK, "--top-k")
        try checkOption(Limits.topP, topP, "--top-p")
        try checkOption(Limits.repetitionPenalty, repetitionPenalty, "--repetition-penalty")
        try checkOption(Limits.maxTokens, maxTokens, "--max-tokens")
        guard !prompt.isEmpty else { throw ValidationError("the prompt is empty: there is nothing to answer") }
    }

    func run() throws {
        let model = try modelOptions.load(storage: weights)
        let parameters = SamplingParameters(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty,
                                            seed: seed, maxTokens: maxTokens, stop: stop)
        try reportingErrors { _ = try model.promptTokens(for: prompt, context: ChatContext(system: system), raw: raw) }
        let start = Date()
        let generation = model.generate(prompt: prompt, context: ChatContext(system: system), raw: raw, parameters: parameters) { piece in
            try? FileHandle.standardOutput.write(contentsOf: Data(terminalSafe(piece).utf8))  // a reader gone away: the line below says so
        }
        try reportingErrors { try writeStandardOutput("\n") }
        if verbose {
            let seconds = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data(("[\(generation.promptTokens.count) prompt tokens, \(generation.tokens.count) generated, "
                + "\(String(format: "%.2f", seconds)) s, stop: \(generation.stopReason.rawValue)]\n").utf8))
        }
    }
}
