import Foundation
import Testing
@testable import Adaptation
import Models
import TestSupport

/// Learning on the real SmolLM2-135M: a prompt it gets wrong is answered correctly after a few
/// steps, and an unrelated control prompt's answer does not change.
@Suite(.serialized, .enabled(if: RealModels.language.available, RealModels.language.missing)) struct RealModelLearningTests {
    static var language: LanguageModel { try! RealModels.language.get() }
    static let question = "What is 12 + 7? Answer with a number."
    static let control = "What is the capital of France?"
    static let greedy = SamplingParameters(maxTokens: 24)

    /// The first number in a text, as the task checker reads answers.
    static func firstNumber(_ text: String) -> String? {
        text.split(whereSeparator: { !$0.isNumber }).first.map(String.init)
    }

    /// Whether the answer's first line states 19 as a whole number ("12 + 7 = 19" and "19"
    /// count, "12 + 7 = 9" does not). Sampled answers often restate the question first, so the
    /// strict first-number rule would reward no sample at all.
    static func states19(_ text: String) -> Bool {
        let firstLine = text.split(separator: "\n", omittingEmptySubsequences: true).first ?? ""
        return firstLine.split(whereSeparator: { !$0.isNumber }).contains("19")
    }

    @Test func sftLoRALearnsTheSumWithinTwentyStepsAndKeepsTheControl() {
        let language = Self.language
        #expect(Self.firstNumber(language.generate(prompt: Self.question, parameters: Self.greedy).text) != "19", "the model starts out wrong")
        let controlBefore = language.generate(prompt: Self.control, parameters: Self.greedy).text

        var adapters = AdapterSet()
        for layer in 0..<language.model.config.layers {
            for kind in [LinearKind.q, .v] {
                let (outputs, inputs) = language.model.shape(kind)
                adapters.lora[LinearSite(layer: layer, kind: kind)] = LoRA(rank: 8, alpha: 16, inputs: inputs, outputs: outputs, seed: UInt64(2 * layer + (kind == .q ? 0 : 1)))
            }
        }
        var learner = Learner(language: language, adapters: adapters, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-3))
        let prompt = learner.promptTokens(Self.question), response = learner.responseTokens("19")
        var answer = ""
        var steps = 0
        while steps < 20 {
            learner.supervisedStep(prompt: prompt, response: response)
            steps += 1
            answer = learner.adapted().generate(prompt: Self.question, parameters: Self.greedy).text
            if Self.firstNumber(answer) == "19" { break }
        }
        #expect(Self.firstNumber(answer) == "19", "after \(steps) steps: \(answer.debugDescription)")
        #expect(learner.adapted().generate(prompt: Self.control, parameters: Self.greedy).text == controlBefore)
        print("SFT-LoRA: correct after \(steps) steps: \(answer.debugDescription)")
    }

    @Test func reinforceSVFLearnsTheSumWithinTwentyStepsAndKeepsTheControl() throws {
        let language = Self.language
        #expect(!Self.states19(language.generate(prompt: Self.question, parameters: Self.greedy).text), "the model starts out wrong")
        let controlBefore = language.generate(prompt: Self.control, parameters: Self.greedy).text
        let bases = try SVFBasisCache(folder: RealModels.root + "/" + SVFBasisCache.defaultFolder).bases(for: language.model, sites: language.model.mlpSites)
        var adapters = AdapterSet(composition: .gesal)
        for site in language.model.mlpSites { adapters.svf[site] = SVFComposition.gesal.identity(rank: bases[site]!.rank) }
        var learner = Learner(language: language, bases: bases, adapters: adapters, optimizer: OptimizerConfig(kind: .adam, learningRate: 2e-3))
        let prompt = learner.promptTokens(Self.question)
        var answer = ""
        var steps = 0
        while steps < 20 {
            steps += 1
            // Eight sampled answers, each rewarded as GESAL's users do: +1 right, -2 wrong.
            let model = learner.adapted()
            let samples = (0..<8).map { k -> Learner.Episode in
                let sample = model.generate(prompt: Self.question, parameters: SamplingParameters(temperature: 0.8, seed: UInt64(100 * steps + k), maxTokens: 12))
                let ended = sample.stopReason == .endOfTurn ? learner.responseTokens("").suffix(1) : []
                return Learner.Episode(prompt: prompt, response: sample.tokens + ended, reward: Self.states19(sample.text) ? 1 : -2)
            }
            learner.reinforceStep(samples, klWeight: 1)
            answer = learner.adapted().generate(prompt: Self.question, parameters: Self.greedy).text
            if Self.states19(answer) { break }
        }
        #expect(Self.states19(answer), "after \(steps) steps: \(answer.debugDescription)")
        #expect(learner.adapted().generate(prompt: Self.control, parameters: Self.greedy).text == controlBefore)
        print("REINFORCE-SVF: correct after \(steps) steps: \(answer.debugDescription)")
    }
}
