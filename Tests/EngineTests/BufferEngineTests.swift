import Foundation
import Testing
import EventLog
import GESAL
import Models
@testable import Engine
import SystemIO
import Tensor
import TestSupport

/// SAGE's buffer on the real models: answers the trigger fires on cluster by what their prompts
/// ask (MiniLM), the log replays the rounds, and a rollback re-derives them.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct BufferEngineTests {
    /// Two kinds of question, entering alternately: no cluster can have held three rounds
    /// before the sixth answer.
    static let sums = ["What is 12 + 7? Answer with a number.", "What is 31 + 45? Answer with a number.", "What is 8 + 66? Answer with a number."]
    static let letters = ["How many r's are in the word strawberry?", "How many a's are in the word banana?", "How many e's are in the word cheese?"]
    static let prompts = zip(sums, letters).flatMap { [$0, $1] }
    /// Every negative answer fires and is memory only (no learning step: this is about the buffer).
    static let config = EngineConfig(maxTokens: 2, negativeWeight: 0, trigger: TriggerSettings(warmup: 100), buffer: BufferSettings())

    static func withStore<T>(_ body: (String) throws -> T) throws -> T {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-buffer")
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path + "/store")
    }

    static func askAndReject(_ engine: Engine, _ prompts: [String], skipping skipped: Set<Int> = []) throws {
        for prompt in prompts {
            let answer = try engine.ask(prompt)
            if !skipped.contains(answer.interaction) { try engine.feedback(interaction: answer.interaction, reward: -2) }
        }
    }

    @Test func firedAnswersClusterByWhatTheirPromptsAsk() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: Self.config)
            try Self.askAndReject(engine, Self.prompts)
            #expect(engine.state.buffer.samples == Array(1...6))
            let clusters = engine.state.buffer.clusters.values.map { Set($0.members) }
            #expect(Set(clusters) == [[1, 3, 5], [2, 4, 6]], "odd interactions are sums, even ones letter counts")
            let types = try engine.writer.history.events(branch: "main").map(\.type)
            #expect(types.count(where: { $0 == BufferSampleAdded.typeName }) == 6 && types.count(where: { $0 == ClusterFormed.typeName }) == 2)
            #expect(try Replay.run(engine.writer.history, useSnapshots: false).state.hash == engine.state.hash)
        }
    }

    @Test func aLaterPromptRecordsItsSimilarityToTheNearestCluster() throws {
        try Self.withStore { path in
            let engine = try RealModels.engine(at: path, config: Self.config)
            try Self.askAndReject(engine, Self.prompts)
            let prompt = "What is 50 + 21? Answer with a number."
            let answer = try engine.ask(prompt)
            let embedding = engine.models.embedder.embed(prompt)
            let expected = engine.state.buffer.clusters.values.map { Ops.cosine($0.centre, embedding) }.max()
            let signals = try #require(engine.state.interactions[answer.interaction]?.signals)
            #expect(signals.nearestCluster == expected && expected! > 0.5)
        }
    }

    /// Without the first feedback, interaction 1 never enters: the new branch's buffer and
    /// clusters are those of a store that never had that feedback, hash for hash.
    @Test func aRollbackReDerivesTheClustersWithoutTheExcludedFeedback() throws {
        try Self.withStore { path in
            let live = try RealModels.engine(at: path, config: Self.config)
            try Self.askAndReject(live, Self.prompts)
            let excluded = try live.writer.history.events(branch: "main").first { $0.type == FeedbackRecorded.typeName }!.sequence
            let report = try Rollback.exclude([excluded], from: "main", into: "without", writer: live.writer, models: live.models, reason: "test")
            #expect(report.state.buffer.samples == Array(2...6))

            let fresh = try RealModels.engine(at: path + "-fresh", config: Self.config)
            defer { try? FileManager.default.removeItem(atPath: path + "-fresh") }
            try Self.askAndReject(fresh, Self.prompts, skipping: [1])
            #expect(report.stateHash == fresh.state.hash.hex)
        }
    }
}
