import Foundation
import Testing
import EventLog
import GESAL
import Models
import Adaptation
@testable import Engine
import Tasks
import SystemIO
import TestSupport
import Tensor

/// GESAL end to end on the real SmolLM2-135M and MiniLM: a scripted session, replay (from zero
/// and from a snapshot), re-execution bit for bit, rollback --exclude against a fresh store,
/// audit, and bad input.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct EngineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// The shared real models (TestSupport); the suite is disabled, not crashed, without them.
    static var models: EngineModels { try! RealModels.models() }
    static let config = EngineConfig(maxTokens: 12)
    static let sum = "What is 12 + 7? Answer with a number.", capital = "What is the capital of France?", other = "What is 13 + 8? Answer with a number."

    static func engine(_ path: String, branch: String = "main") throws -> Engine {
        let writer = LogStore.exists(at: path) ? try LogWriter(at: path) : try LogWriter.create(at: path)
        return try Engine(writer: writer, branch: branch, models: models, config: config, seed: 5)
    }

    /// The script; `skipFirstFeedback` plays the fresh store that never got the first feedback.
    static func script(_ engine: Engine, skipFirstFeedback: Bool) throws {
        let first = try engine.ask(sum)
        let second = try engine.ask(capital)
        if !skipFirstFeedback { try engine.feedback(interaction: first.interaction, reward: -2) }
        let third = try engine.ask(sum)
        try engine.feedback(interaction: third.interaction, reward: 1)
        try engine.feedback(interaction: second.interaction, reward: 1)
        _ = try engine.ask(other)
    }

    @Test func aScriptedSessionReplaysReexecutesRollsBackAndAudits() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let live = try Self.engine(path + "/a")
        try Self.script(live, skipFirstFeedback: false)
        let state = live.state
        #expect(state.interactions.count == 4 && state.updates == 3)
        #expect(state.interactions[1]!.node == state.interactions[3]!.node, "the same prompt routes to the same node")
        #expect(state.interactions[1]!.node != state.interactions[2]!.node, "an unrelated prompt starts its own node")
        #expect(state.interactions[3]!.response != state.interactions[1]!.response, "a rejected answer is not repeated on its node")
        let sumNode = state.nodes[state.interactions[1]!.node]!
        #expect(sumNode.adapterVersion == 2 && sumNode.rejectedResponses == [state.interactions[1]!.response])

        // Replay from zero and from a snapshot gives the live hash.
        try live.snapshot()
        _ = try live.ask(Self.capital)
        let liveHash = live.state.hash
        #expect(try Replay.run(live.writer.history, useSnapshots: false).state.hash == liveHash)
        let fromSnapshot = try Replay.run(live.writer.history)
        #expect(fromSnapshot.state.hash == liveHash && fromSnapshot.snapshot != nil && fromSnapshot.eventsApplied == 3)

        // Every learning step reproduces bit for bit.
        let report = try Reexecution.verify(live.writer.history, models: Self.models)
        #expect(report.steps == 3 && report.reproduced == 3 && report.mismatches.isEmpty, "\(report.mismatches)")

        // Audit: the node's creator, its feedback and its updates.
        let trail = try Audit.trace(.node(sumNode.id), in: live.writer.history)
        #expect(trail.first?.text.contains("created by interaction 1") == true)
        #expect(trail.filter { $0.type == FeedbackRecorded.typeName }.map(\.text).map { $0.contains("interaction 1 ") || $0.contains("interaction 3 ") } == [true, true])
        #expect(trail.filter { $0.type == AdapterUpdated.typeName }.count == 2)

        // Rollback --exclude of the first feedback equals a fresh store that never got it.
        let events = try live.writer.history.events()
        let firstFeedback = events.first { $0.type == FeedbackRecorded.typeName }!.sequence
        let mainBefore = try live.writer.history.head(of: "main")
        let rollback = try Rollback.exclude([firstFeedback], from: "main", into: "no-first", writer: live.writer, models: Self.models, reason: "test")
        #expect(rollback.learningSteps == 2 && rollback.regeneratedAnswers >= 1)
        #expect(try live.writer.history.head(of: "main") == mainBefore && live.state.hash == liveHash, "the source branch is untouched")

        let fresh = try Self.engine(path + "/fresh")
        try Self.script(fresh, skipFirstFeedback: true)
        _ = try fresh.ask(Self.capital)
        #expect(rollback.stateHash == fresh.state.hash.hex)
        #expect(try Replay.run(live.writer.history, branch: "no-first").state.hash == fresh.state.hash)
        #expect(try BranchDiff.between("main", "no-first", in: live.writer.history).lines.contains { $0.contains("interaction 1 rewards") })

        // Bad input is refused by name and changes nothing.
        let head = live.head
        #expect { try live.feedback(interaction: 99, reward: 1) } throws: { "\($0)".contains("no interaction 99") }
        #expect {
            try Rollback.exclude([firstFeedback], from: "main", into: "no-first", writer: live.writer, models: Self.models, reason: "again")
        } throws: { "\($0)".contains("already exists") }
        #expect { try Rollback.exclude([head + 5], from: "main", into: "later", writer: live.writer, models: Self.models, reason: "") } throws: {
            "\($0)".contains("past the head")
        }
        #expect { try Rollback.exclude([1], from: "main", into: "later", writer: live.writer, models: Self.models, reason: "") } throws: {
            "\($0)".contains("StoreCreated.v1: rollback --exclude takes feedback, interaction, adapter import or passage")
        }
        #expect(try live.writer.history.head(of: "main") == head && live.writer.history.branches().keys.sorted() == ["main", "no-first"])
    }

    /// The corrected demo's settings: memory-only -2, 3 Adam steps at 1e-2, KL 0.1.
    static let correctedConfig = EngineConfig(similarityThreshold: 0.9, learningRate: 1e-2, klWeight: 0.1, maxTokens: 8, negativeWeight: 0,
                                              updateSteps: 3)
    static let strawberry = "How many times does the letter r appear in the word strawberry?"

    @Test func aCorrectionIsLearnedReexecutedAndRolledBackExactly() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Engine(writer: try LogWriter.create(at: path + "/c"), models: Self.models, config: Self.correctedConfig, seed: 1)
        let first = try engine.ask(Self.strawberry)
        #expect(AnswerExtraction.firstNumber(first.text) != 3, "the base model gets it wrong: \(first.text)")
        let outcome = try engine.feedback(interaction: first.interaction, reward: -2, correction: "3")
        #expect(outcome.step?.rejection == nil && outcome.step != nil, "a corrected -2 learns even when negative feedback is memory only")
        let second = try engine.ask(Self.strawberry)
        #expect(AnswerExtraction.firstNumber(second.text) == 3, "after one correction: \(second.text)")

        let report = try Reexecution.verify(engine.writer.history, models: Self.models)
        #expect(report.steps == 1 && report.reproduced == 1 && report.mismatches.isEmpty, "\(report.mismatches)")

        let correction = try engine.writer.history.events().first { $0.type == FeedbackRecorded.correctedTypeName }!.sequence
        let rollback = try Rollback.exclude([correction], from: "main", into: "uncorrected", writer: engine.writer, models: Self.models,
                                            reason: "test")
        let fresh = try Engine(writer: try LogWriter.create(at: path + "/f"), models: Self.models, config: Self.correctedConfig, seed: 1)
        _ = try fresh.ask(Self.strawberry)
        _ = try fresh.ask(Self.strawberry)
        #expect(rollback.stateHash == fresh.state.hash.hex, "the branch equals a store that was never corrected")
    }

    /// A rollback that changes a conversation's adapter regenerates its answer in the same
    /// conversation: the recorded turns and system message reach the model again.
    @Test func aConversationIsRegeneratedInItsConversationOnRollback() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let request = AnswerRequest(system: "You answer in French.", turns: [.init(role: "user", content: "I like fruit."),
                                                                              .init(role: "assistant", content: "Moi aussi !")])
        let inConversation = Self.models.language.generate(prompt: Self.strawberry, context: request.context,
                                                           parameters: SamplingParameters(maxTokens: Self.correctedConfig.maxTokens)).text
        #expect(inConversation != Self.models.language.generate(prompt: Self.strawberry, parameters: SamplingParameters(maxTokens: 8)).text,
                "the conversation must change the base answer for this test to see it")
        let engine = try Engine(writer: try LogWriter.create(at: path + "/c"), models: Self.models, config: Self.correctedConfig, seed: 1)
        let first = try engine.ask(Self.strawberry)
        _ = try engine.feedback(interaction: first.interaction, reward: -2, correction: "3")
        let adapted = try engine.ask(Self.strawberry, request: request)
        #expect(adapted.adapter != nil, "the conversation is answered with the node's adapter")

        let correction = try engine.writer.history.events().first { $0.type == FeedbackRecorded.correctedTypeName }!.sequence
        let rollback = try Rollback.exclude([correction], from: "main", into: "uncorrected", writer: engine.writer, models: Self.models, reason: "test")
        #expect(rollback.regeneratedAnswers == 1)
        let branch = try Replay.run(engine.writer.history, branch: "uncorrected").state
        #expect(branch.interactions[adapted.interaction]?.response == inConversation)
        let fresh = try Engine(writer: try LogWriter.create(at: path + "/f"), models: Self.models, config: Self.correctedConfig, seed: 1)
        _ = try fresh.ask(Self.strawberry)
        _ = try fresh.ask(Self.strawberry, request: request)
        #expect(rollback.stateHash == fresh.state.hash.hex, "the branch equals a store that never got the correction")
    }

    @Test func aStoreWrittenByANewerFormatIsRefusedAndUnchanged() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Self.engine(path + "/s")
        try engine.writer.append([EventDraft(type: "FeedbackRecorded.v9", payload: Array("{}".utf8))])
        let head = try engine.writer.history.head(of: "main")
        try engine.writer.close()
        #expect { try Self.engine(path + "/s") } throws: { "\($0)".contains("FeedbackRecorded.v9") && "\($0)".contains("newer GESAL") }
        #expect(try LogStore(at: path + "/s").head(of: "main") == head)
    }

    @Test func theRegressionGuardRecordsARejectedUpdate() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Tolerance 0 rejects an update that lowers the control score at all (this one does):
        // the feedback is consumed, the adapter unchanged.
        let writer = try LogWriter.create(at: path + "/g")
        let engine = try Engine(writer: writer, models: Self.models, config: EngineConfig(maxTokens: 8, guardTolerance: 0))
        let answer = try engine.ask(Self.sum)
        let outcome = try engine.feedback(interaction: answer.interaction, reward: -2)
        #expect(outcome.step?.rejection?.contains("(tolerance 0.0)") == true)
        #expect(engine.state.rejectedUpdates == 1 && engine.state.nodes[answer.node]!.adapterBlob == nil && engine.state.nodes[answer.node]!.buffer.isEmpty)
        let metrics = outcome.step!.metrics
        #expect(metrics["control_before"] != nil && metrics["control_after"] != nil)
        #expect(try Reexecution.verify(writer.store, models: Self.models).reproduced == 1)

        // The evaluator answers as the store would (routed to the node, its rejected answer
        // avoided), records nothing, and scores with the strict checker.
        let head = engine.head
        let items = [TaskItem(task: "arithmetic", prompt: Self.sum, answer: 19), TaskItem(task: "control", prompt: Self.capital, answer: 0)]
        let evaluator = Evaluator(models: Self.models, state: engine.state, blobs: writer.store)
        let answers = try evaluator.answers(items)
        #expect(answers[0].response != answer.text, "the node's rejected answer is avoided")
        #expect(answers[0].correct == (AnswerExtraction.firstNumber(answers[0].response) == 19) && !answers[1].correct)
        #expect(try evaluator.answers(items).map(\.response) == answers.map(\.response), "deterministic")
        #expect(try writer.store.head(of: "main") == head)
    }

    @Test func theOptimiserIsAStoreSettingThatReexecutes() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func adapter(_ optimizer: String?, at folder: String) throws -> (String?, LogWriter) {
            let writer = try LogWriter.create(at: path + folder)
            let engine = try Engine(writer: writer, models: Self.models, config: EngineConfig(maxTokens: 8, optimizer: optimizer))
            let answer = try engine.ask(Self.sum)
            try engine.feedback(interaction: answer.interaction, reward: -2)
            return (engine.state.nodes[answer.node]!.adapterBlob, writer)
        }
        let (adam, _) = try adapter(nil, at: "/adam")
        let (sgd, sgdWriter) = try adapter("sgd", at: "/sgd")
        #expect(adam != nil && sgd != nil && adam != sgd, "SGD and Adam take different steps from the same feedback")
        #expect(try Reexecution.verify(sgdWriter.store, models: Self.models).reproduced == 1)

        // An optimiser this build does not know stops the step with a clear error: the feedback stays, no update.
        let writer = try LogWriter.create(at: path + "/bad")
        let engine = try Engine(writer: writer, models: Self.models, config: EngineConfig(maxTokens: 8, optimizer: "lion"))
        let answer = try engine.ask(Self.sum)
        #expect { try engine.feedback(interaction: answer.interaction, reward: -2) } throws: { "\($0)".contains("unknown optimiser 'lion'") }
        #expect(engine.state.updates == 0)
    }

    /// A new store records the kernel its steps ran on; a store from before the record learns
    /// and re-executes on OpenBLAS, as it always did; and re-execution says no to a step whose
    /// store claims the other.
    @Test func theLearningKernelIsAStoreRecordThatReexecutes() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func learn(_ engine: Engine) throws -> String? {
            let answer = try engine.ask(Self.sum)
            try engine.feedback(interaction: answer.interaction, reward: -2)
            return engine.state.nodes[answer.node]!.adapterBlob
        }
        let fresh = try LogWriter.create(at: path + "/new")
        let new = try Engine(writer: fresh, models: Self.models, config: EngineConfig(maxTokens: 8))
        #expect(new.state.created!.learningKernel == TrainingProducts.best.recordedName)
        let newAdapter = try learn(new)
        #expect(try Reexecution.verify(fresh.store, models: Self.models).reproduced == 1)

        let older = try LogWriter.create(at: path + "/old")
        var created = new.state.created!
        created.learningKernel = nil
        try older.append([try DomainEvent.storeCreated(created).draft()])
        let oldAdapter = try learn(try Engine(writer: older, models: Self.models, config: EngineConfig(maxTokens: 8)))
        #expect(oldAdapter != nil && newAdapter != nil && oldAdapter != newAdapter, "OpenBLAS and the row kernel differ in the last bits")
        #expect(try Reexecution.verify(older.store, models: Self.models).reproduced == 1)
        try older.close()

        // The old store's StoreCreated rewritten to claim the row kernel: its step no longer reproduces.
        created.learningKernel = TrainingProducts.best.recordedName
        let claimed = try DomainEvent.storeCreated(created).draft()
        try HistoryRewriter.replace(store: path + "/old", sequence: 1) { _ in claimed }
        let report = try Reexecution.verify(try LogStore(at: path + "/old"), models: Self.models)
        #expect(report.steps == 1 && report.reproduced == 0 && report.mismatches.count == 1, "\(report.mismatches)")
    }

    @Test func negativeFeedbackCanTeachThroughMemoryAloneAndStepsRepeat() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = EngineConfig(maxTokens: 8, negativeWeight: 0, updateSteps: 3)
        let writer = try LogWriter.create(at: path + "/m")
        let engine = try Engine(writer: writer, models: Self.models, config: config)
        let wrong = try engine.ask(Self.sum)
        let outcome = try engine.feedback(interaction: wrong.interaction, reward: -2)
        let node = engine.state.nodes[wrong.node]!
        #expect(outcome.memoryOnly && outcome.step == nil, "with negativeWeight 0 a wrong answer sets off no step")
        #expect(node.rejectedResponses == [wrong.text] && node.buffer.isEmpty && node.adapterBlob == nil && engine.state.updates == 0)
        let again = try engine.ask(Self.sum)
        #expect(again.text != wrong.text, "the rejected answer is still avoided")
        let learned = try engine.feedback(interaction: again.interaction, reward: 1)
        #expect(!learned.memoryOnly && learned.step != nil && engine.state.updates == 1, "positive feedback still learns")
        #expect(try Reexecution.verify(writer.store, models: Self.models).reproduced == 1)
        #expect(try Replay.run(writer.store).state.hash == engine.state.hash)

        // Three steps in one learning step are three optimiser steps: the adapter differs from a one-step store's.
        let one = try LogWriter.create(at: path + "/one")
        let single = try Engine(writer: one, models: Self.models, config: EngineConfig(maxTokens: 8, negativeWeight: 0))
        _ = try single.ask(Self.sum)
        try single.feedback(interaction: 1, reward: -2)
        _ = try single.ask(Self.sum)
        try single.feedback(interaction: 2, reward: 1)
        #expect(single.state.interactions[2]!.response == again.text, "the same answers up to the step")
        #expect(single.state.nodes[wrong.node]!.adapterBlob != engine.state.nodes[wrong.node]!.adapterBlob)

        // A store made before these settings existed reads them as absent: GESAL's loss, one step.
        let old = try JSONDecoder().decode(EngineConfig.self, from: Data(#"{"similarityThreshold":0.7,"bufferSize":1,"learningRate":0.002,"klWeight":1,"composition":"gesal","svfTargets":["gate"],"maxTokens":8}"#.utf8))
        #expect(old.negativeWeight == nil && old.updateSteps == nil && old.learnsFrom(reward: -2))
    }

    @Test func cachedAnswersAreTheAnswersGeneratingAgainGives() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/c")
        let engine = try Engine(writer: writer, models: Self.models, config: EngineConfig(maxTokens: 8))
        let first = try engine.ask(Self.sum)
        try engine.feedback(interaction: first.interaction, reward: -2)
        let items = [TaskItem(task: "arithmetic", prompt: Self.sum, answer: 19), TaskItem(task: "control", prompt: Self.capital, answer: 0)]
        let shared = Evaluator(models: Self.models, state: engine.state, blobs: writer.store, cache: engine.generations)
        let fresh = Evaluator(models: Self.models, state: engine.state, blobs: writer.store)
        #expect(try shared.answers(items).map(\.response) == fresh.answers(items).map(\.response))

        let cache = GenerationCache(capacity: 2)
        var generated = 0
        let parameters = SamplingParameters(maxTokens: 4)
        func answer() -> Generation {
            cache.generation(adapter: nil, prompt: Self.sum, parameters: parameters) {
                generated += 1
                return Self.models.language.generate(prompt: Self.sum, parameters: parameters)
            }
        }
        #expect(answer() == answer() && generated == 1, "a hit does not generate")
        #expect(answer() == Self.models.language.generate(prompt: Self.sum, parameters: parameters))
        for seed in 1...2 { _ = cache.generation(adapter: nil, prompt: Self.sum, parameters: SamplingParameters(seed: UInt64(seed), maxTokens: 4)) { answer() } }
        _ = answer()
        #expect(generated == 2, "a full cache starts over")
    }
}
