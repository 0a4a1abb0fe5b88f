import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
@testable import Engine
import Tasks
import SystemIO

/// `gesal-log bisect` on the real model: a store taught arithmetic over 41 learning steps, one
/// of them from a poisoned feedback (-2 on a right answer to a control question) at a place
/// chosen at random. Bisect must name that feedback in few evaluations, and `--exclude` must
/// give exactly the store that never got it.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct BisectionTests {
    static let config = EngineConfig(similarityThreshold: 0.9, maxTokens: 10)
    static let control = TaskItem(task: "control", prompt: "How many days are in a week?", answer: 7)
    static let taught = TaskGenerators.arithmetic(count: 40, seed: 3)

    static func engine(_ path: String) throws -> Engine {
        let writer = LogStore.exists(at: path) ? try LogWriter(at: path) : try LogWriter.create(at: path)
        return try Engine(writer: writer, branch: "main", models: EngineTests.models, config: config, seed: 5)
    }

    /// The control question first, then each arithmetic prompt with +1 (a learning step each);
    /// after `poisonAfter` of them, when given, -2 on the control answer. Returns the poisoned
    /// feedback's sequence.
    @discardableResult
    static func history(_ engine: Engine, poisonAfter: Int?) throws -> UInt64? {
        let asked = try engine.ask(control.prompt)
        var poison: UInt64?
        for (index, item) in taught.enumerated() {
            if index == poisonAfter {
                try engine.feedback(interaction: asked.interaction, reward: -2)
                poison = try engine.writer.history.events(from: engine.head - 10).last { $0.type == FeedbackRecorded.typeName }!.sequence
            }
            let answer = try engine.ask(item.prompt)
            try engine.feedback(interaction: answer.interaction, reward: 1)
        }
        return poison
    }

    @Test func bisectNamesAPoisonedFeedbackAndExcludingItGivesTheStoreThatNeverHadIt() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-bisect")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let poisonAfter = Int.random(in: 1..<Self.taught.count)
        let live = try Self.engine(path + "/main")
        let poison = try #require(try Self.history(live, poisonAfter: poisonAfter))
        let store = live.writer.history
        let good = try store.events().first { $0.type == InteractionRecorded.typeName }!.sequence

        let bisection = Bisection(store: store, branch: "main", test: .answers([Self.control], .minAccuracy(1))) { EngineTests.models }
        let report = try bisection.run(good: good, bad: live.head)
        #expect(report.learningSteps == 41, "poison after \(poisonAfter)")
        #expect(report.culprit == poison && report.inputs == [poison], "poison after \(poisonAfter): \(report.steps)")
        #expect(report.evaluations <= Bisection.ceilLog2(report.learningSteps) + 1, "\(report.steps)")
        #expect(report.audit.first?.contains("feedback -2 from user on interaction 1") == true, "\(report.audit)")

        let exclusion = try bisection.exclude(report, into: "clean", writer: live.writer, models: EngineTests.models, test: "--item")
        #expect(exclusion.retest.good, "\(exclusion.retest)")
        let fresh = try Self.engine(path + "/fresh")
        try Self.history(fresh, poisonAfter: nil)
        #expect(exclusion.rollback.stateHash == fresh.state.hash.hex, "poison after \(poisonAfter)")
        let recorded = try store.events(branch: "clean").compactMap { event -> Bisected? in
            if case .bisected(let b) = try DomainEvent(event) { return b } else { return nil }
        }
        #expect(recorded.map(\.culprit) == [poison] && recorded.first?.steps == report.steps)
    }
}

/// The search itself, without a model: a synthetic history, and a test that is a function of
/// the sequence.
@Suite struct BisectionSearchTests {
    /// One node, then `count` interactions on it, each followed by negative feedback (an
    /// answer-changing event) and positive feedback (not one). Returns the store.
    static func history(_ path: String, count: Int) throws -> LogStore {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        let embedding = Vector([Float](repeating: 0.5, count: 4))
        var events: [DomainEvent] = [
            .storeCreated(StoreCreated(modelFingerprint: "m", model: "m", embedder: "minilm", threads: 1, blasCore: "c", seed: 0, config: EngineConfig())),
            .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: embedding, nearest: nil, similarity: nil)),
        ]
        for i in 1...count {
            events.append(.interactionRecorded(InteractionRecorded(
                interaction: i, prompt: "p\(i)", response: "r\(i)", node: 1, embedding: embedding, similarity: 1, adapter: nil,
                sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0), promptTokens: 1, responseTokens: 1)))
            events.append(.feedbackRecorded(FeedbackRecorded(interaction: i, reward: -2, source: "user")))
            events.append(.feedbackRecorded(FeedbackRecorded(interaction: i, reward: 1, source: "user")))
        }
        try writer.append(events.map { try $0.draft() })
        let store = writer.store
        try writer.close()
        return store
    }

    @Test(arguments: [1, 2, 17, 40, 64])
    func theFirstBadEventIsFoundInLogarithmicallyManyEvaluations(breakAt: Int) throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-bisect-search")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Self.history(path + "/s", count: 64)
        // Interaction k is event 3k, its negative feedback 3k + 1: the culprit for k = breakAt.
        let culprit = UInt64(3 * breakAt + 1)
        var asked: [UInt64] = []
        let test = BisectTest.external { _, sequence in
            asked.append(sequence)
            return (sequence < culprit, "")
        }
        let report = try Bisection(store: store, branch: "main", test: test) { fatalError("no model is needed") }.run(good: 2, bad: try store.head(of: "main"))
        #expect(report.culprit == culprit && report.inputs == [culprit])
        #expect(report.candidates.count == 64, "only the negative feedback can change an answer")
        #expect(report.evaluations == asked.count && asked.count <= Bisection.ceilLog2(64) + 2, "\(asked)")
        #expect(asked.prefix(2) == [2, try store.head(of: "main")])
    }

    @Test func aTestThatFailsAtGoodOrPassesAtBadIsRefused() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-bisect-search")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Self.history(path + "/s", count: 4)
        let never = Bisection(store: store, branch: "main", test: .external { _, _ in (false, "exit status 1") }) { fatalError() }
        #expect { try never.run(good: 2, bad: 10) } throws: { "\($0)".contains("the test already fails at --good 2 (exit status 1)") }
        let always = Bisection(store: store, branch: "main", test: .external { _, _ in (true, "exit status 0") }) { fatalError() }
        #expect { try always.run(good: 2, bad: 10) } throws: { "\($0)".contains("the test passes at --bad 10") }
        #expect { try always.run(good: 10, bad: 5) } throws: { "\($0)".contains("--good 10 is not before --bad 5") }
        #expect { try always.run(good: 2, bad: 999) } throws: { "\($0)".contains("--bad 999 is past the head of 'main' (14)") }
    }

    @Test(arguments: [(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (368, 9), (1024, 10), (1025, 11)])
    func ceilLog2(count: Int, expected: Int) {
        #expect(Bisection.ceilLog2(count) == expected)
    }
}
