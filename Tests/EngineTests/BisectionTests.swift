import Foundation
import Testing
import EventLog
import GESAL
@testable import Engine
import Tasks
import SystemIO

/// `gesal-log bisect` on the real model: a store taught arithmetic over 41 learning steps, one
/// of them from a poisoned feedback (-2 on a right answer to a control question) at a place
/// chosen at random. Bisect must name that feedback in few evaluations, and `--exclude` must
/// give exactly the store that never got it.
@Suite(.serialized) struct BisectionTests {
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
                poison = try engine.writer.store.events(from: engine.head - 10).last { $0.type == FeedbackRecorded.typeName }!.sequence
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
        let store = live.writer.store
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
