import Foundation
import Testing
import EventLog
import GESAL
import Models
@testable import Engine
import SystemIO
import Tensor
import TestSupport

/// SAGE's trigger on the real models: what an answer records of itself, and the judgements and
/// calibration feedback sets off.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct TriggerEngineTests {
    static let sum = "What is 12 + 7? Answer with a number.", capital = "What is the capital of France?", word = "Spell the word cat backwards."

    static func withStore<T>(_ body: (String) throws -> T) throws -> T {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-trigger")
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path + "/store")
    }

    static func types(_ engine: Engine) throws -> [String] { try engine.writer.history.events(branch: "main").map(\.type) }

    /// The margin is the first answer token's top-1 minus top-2 logit, as the model's own
    /// forward pass over the prompt gives them; a greedy answer's token is the argmax.
    @Test func anAnswerRecordsTheMarginOfItsFirstToken() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 6))
            let answer = try engine.ask(Self.sum)
            let signals = try #require(engine.state.interactions[answer.interaction]!.signals)
            let language = engine.models.language
            let prompt = try language.promptTokens(for: Self.sum)
            var cache = language.model.makeCache(capacity: prompt.count + 1)
            let sorted = language.model.forward(prompt, cache: &cache).sorted(by: >)
            #expect(signals.firstTokenMargin == sorted[0] - sorted[1])
            #expect(signals.steps == answer.responseTokens || signals.steps == answer.responseTokens + 1, "the tokens, and the one that ended it")
            #expect(signals.meanEntropy >= 0 && signals.meanLogProbability <= 0)
            #expect(signals.nearestNode == nil, "the store's first prompt had no node to be near")
        }
    }

    @Test func aLaterPromptRecordsItsSimilarityToTheNearestNode() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
            let first = try engine.ask(Self.capital)
            let second = try engine.ask(Self.word)
            let node = engine.state.nodes[first.node]!
            let expected = Ops.cosine(engine.models.embedder.embed(Self.word), node.centroid)
            #expect(second.createdNode, "unrelated prompts: the similarity is to the nearest node, not the one routed to")
            #expect(engine.state.interactions[second.interaction]!.signals?.nearestNode == expected)
        }
    }

    @Test func aStoreWithoutATriggerJudgesNothing() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4, negativeWeight: 0))
            let answer = try engine.ask(Self.sum)
            let outcome = try engine.feedback(interaction: answer.interaction, reward: -2)
            #expect(outcome.trigger == nil)
            #expect(try !Self.types(engine).contains { $0.hasPrefix("Trigger") })
        }
    }

    /// Warm-up 2: the first two judgements score nothing label-free and the second brings the
    /// calibration in its record; the third is ranked against it. A correction adds how far the
    /// answer agrees with it.
    @Test func everyFeedbackIsJudgedAndTheWarmupEndsInACalibration() throws {
        try Self.withStore { path in
            let settings = TriggerSettings(threshold: 0.5, warmup: 2)
            let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 6, negativeWeight: 0, correctionWeight: 0, trigger: settings))
            let answers = try [Self.sum, Self.capital, Self.word].map { try engine.ask($0) }
            let first = try #require(try engine.feedback(interaction: answers[0].interaction, reward: -2, correction: "19").trigger?.judgement)
            #expect(first.fired && first.cause == .negativeFeedback)
            #expect(first.badness["exactMatch"] != nil && first.badness["firstTokenMargin"] == nil, "no calibration yet")
            let second = try #require(try engine.feedback(interaction: answers[1].interaction, reward: 1).trigger?.judgement)
            #expect(second.score == nil && !second.fired, "before the calibration, +1 without a correction has nothing to score")
            let calibration = try #require(engine.state.trigger.calibration)
            #expect(calibration.interactions == answers.prefix(2).map(\.interaction))
            #expect(Set(calibration.quantiles.keys) == ["firstTokenMargin", "meanEntropy", "meanLogProbability", "nodeDistance"])
            let third = try #require(try engine.feedback(interaction: answers[2].interaction, reward: 1).trigger)
            #expect(third.judgement?.score != nil && third.judgement?.badness["meanEntropy"] != nil)
            // (The +1s also set off learning steps, each with its buffer's TriggerFired.v1.)
            #expect(try Self.types(engine).filter { $0 == "TriggerFired.v2" || $0 == "TriggerCalibrated.v1" }
                == ["TriggerFired.v2", "TriggerFired.v2", "TriggerCalibrated.v1", "TriggerFired.v2"])
            #expect(engine.state.trigger.judged.map(\.fired) == [true, false, third.judgement!.fired])
            #expect(try Replay.run(engine.writer.history, useSnapshots: false).state.hash == engine.state.hash)
        }
    }

    /// The correction's signals: "19" against itself agrees exactly; the cosine is MiniLM's.
    @Test func aCorrectionsAgreementIsMeasuredAgainstTheAnswer() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 6, negativeWeight: 0, correctionWeight: 0,
                                                                              trigger: TriggerSettings(warmup: 5)))
            let answer = try engine.ask(Self.sum)
            let judged = try #require(try engine.feedback(interaction: answer.interaction, reward: 1, correction: answer.text).trigger)
            #expect(judged.scores["exactMatch"] == 1 && judged.scores["tokenF1"] == 1)
            #expect(abs(judged.scores["correctionCosine"]! - 1) < 1e-5)
            #expect(judged.judgement?.score == 0 && judged.judgement?.fired == false)
        }
    }

    /// Excluding the first feedback re-judges the rest without it: the new branch's judgements
    /// and calibration are those of a store that never had it, hash for hash.
    @Test func aRollbackReJudgesAsIfTheFeedbackHadNeverBeen() throws {
        let config = EngineConfig(bufferSize: 50, maxTokens: 6, trigger: TriggerSettings(warmup: 2))
        let prompts = [Self.sum, Self.capital, Self.word]
        try Self.withStore { path in
            let live = try RealModels.engine(at: path, config: config)
            let answers = try prompts.map { try live.ask($0) }
            let excluded = try live.feedback(interaction: answers[0].interaction, reward: -2).sequence
            #expect(try DomainEvent(live.writer.history.events(branch: "main")[Int(excluded) - 1]).interaction == answers[0].interaction)
            for answer in answers.dropFirst() { try live.feedback(interaction: answer.interaction, reward: 1) }
            #expect(live.state.trigger.calibration?.interactions == [1, 2])
            let report = try Rollback.exclude([excluded], from: "main", into: "without", writer: live.writer, models: live.models, reason: "test")
            #expect(report.state.trigger.calibration?.interactions == [2, 3])

            let fresh = try RealModels.engine(at: path + "-fresh", config: config)
            defer { try? FileManager.default.removeItem(atPath: path + "-fresh") }
            let again = try prompts.map { try fresh.ask($0) }
            for answer in again.dropFirst() { try fresh.feedback(interaction: answer.interaction, reward: 1) }
            #expect(report.stateHash == fresh.state.hash.hex)
        }
    }
}
