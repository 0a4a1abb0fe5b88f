import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
@testable import Engine
import SystemIO

/// `rollback --exclude` of an interaction (which takes its routing and feedback with it) and of
/// several events at once.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct RollbackExclusionTests {
    @Test func excludingAnInteractionAndAnotherFeedbackAtOnceLeavesOutBothAndAllTheyCaused() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-rollback-many")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try EngineTests.engine(path + "/s")
        let first = try engine.ask(EngineTests.sum)
        try engine.feedback(interaction: first.interaction, reward: -2)
        let second = try engine.ask(EngineTests.capital)
        try engine.feedback(interaction: second.interaction, reward: 1)
        let third = try engine.ask(EngineTests.other)
        #expect(engine.state.nodes.values.contains { $0.adapterVersion > 0 }, "the feedback taught a node, so leaving it out must show")

        let events = try engine.writer.history.events()
        let facts = try events.map { try DomainEvent($0) }
        func sequence(_ test: (DomainEvent) -> Bool) -> UInt64 { events[facts.firstIndex(where: test)!].sequence }
        let secondAsked = sequence { if case .interactionRecorded(let e) = $0 { e.interaction == second.interaction } else { false } }
        let firstFeedback = sequence { if case .feedbackRecorded(let e) = $0 { e.interaction == first.interaction } else { false } }
        let aboutSecond = Set(zip(events, facts).filter { $0.1.interaction == second.interaction }.map(\.0.sequence))

        let report = try Rollback.exclude([secondAsked, firstFeedback], from: "main", into: "without", writer: engine.writer,
                                          models: EngineTests.models, reason: "test")
        #expect(Set(report.dropped) == aboutSecond.union([firstFeedback]), "the interaction's routing and feedback go with it")
        #expect(report.learningSteps == 0)
        let state = try Replay.run(engine.writer.history, branch: "without").state
        #expect(state.interactions.keys.sorted() == [first.interaction, third.interaction])
        #expect(state.interactions.values.allSatisfy { $0.rewards.isEmpty })
        #expect(state.nodes.values.allSatisfy { $0.adapterVersion == 0 && $0.adapterBlob == nil })
        // The third answer was given with what the first feedback taught; without it, it is the
        // answer a store that never had that feedback gives.
        let fresh = try EngineTests.engine(path + "/fresh")
        _ = try fresh.ask(EngineTests.sum)
        #expect(state.interactions[third.interaction]?.response == (try fresh.ask(EngineTests.other)).text)
    }
}
