import ArgumentParser
import Engine
import GESAL

/// How a passage is learned (SEAL's inner loop): shared by `gesal learn` and `gesal seal train`,
/// whose E-step learns passages again.
struct SelfEditOptions: ParsableArguments {
    @Option(help: "Self-edits sampled.")
    var candidates = 5

    @Option(help: "The self-edit prompt: implications (SEAL's), rewrite, or questions.")
    var style = "implications"

    @Option(help: "Sampling temperature of the self-edits.")
    var temperature: Float = 1

    @Option(help: "The longest self-edit, in tokens.")
    var editTokens = 128

    @Option(help: "The LoRA's rank.")
    var rank = 8

    @Option(help: "Passes over each candidate's sequences.")
    var epochs = 5

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Earlier passages whose kept edits each candidate also trains on (a replay buffer against forgetting; 0: none).")
    var rehearse = 0

    @Option(help: "The longest quiz answer, in tokens.")
    var quizTokens = 16

    @Option(help: "Seed of the self-edits' sampling and the LoRA's start.")
    var seed: UInt64 = 1

    var settings: LearnSettings {
        LearnSettings(candidates: candidates, style: style, temperature: temperature, editTokens: editTokens,
                      training: KnowledgeTraining(rank: rank, alpha: 2 * Float(rank), learningRate: learningRate, epochs: epochs, seed: seed, rehearse: rehearse),
                      quizTokens: quizTokens, seed: seed)
    }
}
