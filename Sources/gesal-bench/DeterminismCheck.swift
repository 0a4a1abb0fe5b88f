import CommandLineSupport
import Adaptation
import ArgumentParser
import EventLog
import Foundation
import Models
import Tensor

/// Runs a few learning steps on the real model and prints the SHA-256 of the resulting adapter
/// bytes: two processes with the same inputs, seed and thread count must print the same line.
struct DeterminismCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "determinism",
        abstract: "Print a hash of the adapters after a few learning steps (compare two runs).",
        shouldDisplay: false)

    @OptionGroup var options: ModelOptions
    @Option var layers = 2
    @Option var steps = 2

    func run() throws {
        BLAS.setThreads(options.threads)
        let language = try LanguageModel.load(options.model)
        let sites = language.model.mlpSites.filter { $0.layer < layers }
        var bases: [LinearSite: SVFBasis] = [:]
        for site in sites {
            let (outputs, inputs) = language.model.shape(site.kind)
            bases[site] = try SVFBasis(weight: language.model.weights.layers[site.layer][site.kind].floats, outputs: outputs, inputs: inputs)
        }
        var adapters = AdapterSet()
        for site in sites { adapters.svf[site] = SVFComposition.gesal.identity(rank: bases[site]!.rank) }
        let (outputs, inputs) = language.model.shape(.q)
        adapters.lora[LinearSite(layer: 0, kind: .q)] = LoRA(rank: 4, alpha: 8, inputs: inputs, outputs: outputs, seed: 7)
        var learner = Learner(language: language, bases: bases, adapters: adapters, optimizer: OptimizerConfig(kind: .adamW, learningRate: 1e-2, weightDecay: 0.01))
        let prompt = learner.promptTokens("How many times does the letter r appear in the word strawberry?")
        for step in 0..<steps {
            let sample = learner.adapted().generate(prompt: "How many times does the letter r appear in the word strawberry?",
                                                    parameters: SamplingParameters(temperature: 0.9, seed: UInt64(step), maxTokens: 12))
            learner.reinforceStep([Learner.Episode(prompt: prompt, response: sample.tokens, reward: step % 2 == 0 ? -2 : 1)])
            learner.supervisedStep(prompt: prompt, response: learner.responseTokens("3"))
        }
        let bytes = AdapterCodec.encode(learner.adapters) + AdapterCodec.encode(learner.state)
        print("parameter_sha256=" + Hash256.of(bytes).hex)
    }
}
