import Adaptation
import EventLog
import Foundation
import GESAL
@testable import Engine
import SystemIO
import Tasks
import Testing
import TestSupport

/// ReST-EM's writer and the replay buffer on the real models, shrunk as in
/// `KnowledgeEngineTests`. So small a LoRA hardly ever beats the passage alone, so the suite's
/// store records one passage whose edit did, with made-up scores (the adapters are real blobs):
/// the writer's round depends only on the edit's text, which is real.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct SelfEditWriterEngineTests {
    static let settings = KnowledgeEngineTests.settings
    static let writerTraining = KnowledgeTraining(rank: 2, alpha: 4, epochs: 2, targets: ["down"])
    static let passages = FictionalPassages.passages(count: 2, seed: 5)

    /// Passage 1 with edit 1 winning (its scores made up), and the round that trains on it.
    static func winningPassage(_ engine: Engine) throws -> [DomainEvent] {
        let passage = passages[0]
        let submitted = PassageSubmitted(passage: 1, title: passage.title, text: passage.text, questions: KnowledgeEngineTests.questions(passage), questionsBy: "user")
        let proposed = KnowledgeLearning.propose(submitted, settings: settings, writer: engine.models.language, writerAdapter: nil)
        let blob = AdapterCodec.encode(try KnowledgeLearning.freshLoRA(settings.training, language: engine.models.language))
        let adapter: String = try engine.storeBlob(blob)
        let answers = [String](repeating: "", count: submitted.questions.count)
        let scored = (0...settings.candidates).map { (candidate: Int) -> SelfEditScored in
            SelfEditScored(passage: 1, candidate: candidate, training: settings.training, sequences: 1, trainingLoss: 1, quizTokens: 4,
                           exactMatch: candidate == 1 ? 1 : 0, containsAnswer: 0, f1: 0, answers: answers, from: nil, adapter: adapter)
        }
        return [.passageSubmitted(submitted)] + proposed.map { .selfEditProposed($0) } + scored.map { .selfEditScored($0) }
            + [.selfEditChosen(SelfEditChosen(passage: 1, candidate: 1, adapter: adapter, beatsPassage: true))]
    }

    /// One store for the suite: the winning passage, then round 1.
    static let store = LoadedOnce("a store whose writer was trained") { () throws -> (Engine, WriterTrained) in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-writer") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        try engine.append(try winningPassage(engine))
        return (engine, try engine.trainWriter(training: writerTraining))
    }

    @Test func theWriterTrainsOnTheWinnersAndWritesTheNextEdits() throws {
        let (engine, trained) = try Self.store.get()
        #expect(trained.round == 1 && !trained.edits.isEmpty && engine.state.knowledge.writer == trained.adapter)
        let passage = Self.passages[1]
        let next = try engine.learn(title: passage.title, text: passage.text, questions: KnowledgeEngineTests.questions(passage), settings: Self.settings)
        #expect(next.proposed.allSatisfy { $0.writer == trained.adapter })
        let base = KnowledgeLearning.propose(next.submitted, settings: Self.settings, writer: engine.models.language, writerAdapter: nil)
        #expect(base.map(\.text) != next.proposed.map(\.text), "the writer's edits are its own, not the base model's")
    }

    @Test func aRoundWithNoWinnerIsRefusedAndNothingIsWritten() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-writer-empty") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        let head = engine.head
        #expect(throws: EngineError.self) { try engine.trainWriter(training: Self.writerTraining) }
        #expect(engine.head == head)
    }

    /// Re-execution trains the round again bit for bit (the made-up scores of passage 1's
    /// candidates are its only mismatches).
    @Test func replayReexecutesTheWriterRound() throws {
        let (engine, _) = try Self.store.get()
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(!report.mismatches.contains { $0.contains("writer round") }, "\(report.mismatches)")
        #expect(report.mismatches.allSatisfy { $0.contains("passage 1 candidate") })
    }

    /// The same round recorded with another loss: the fold cannot tell, re-execution must.
    @Test func aRewrittenWriterRoundFailsReexecution() throws {
        let (engine, trained) = try Self.store.get()
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-writer-forged") + "/store"
        let forger = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        _ = try forger.storeBlob(try engine.writer.history.blob(hex: trained.adapter))
        var forged = trained
        forged.trainingLoss += 0.25
        try forger.append(try Self.winningPassage(forger) + [.writerTrained(forged)])
        let report = try Reexecution.verify(forger.writer.history, models: engine.models)
        #expect(report.mismatches.contains { $0.contains("writer round 1") && $0.contains("loss") }, "\(report.mismatches)")
    }

    /// The second round's E-step: the store's passage is learned again, its edits written by
    /// the round-1 writer, before the M-step looks for winners among them.
    @Test func theNextRoundLearnsThePassagesAgainWithTheNewWriter() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-writer-rounds") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        try engine.append(try Self.winningPassage(engine))
        let first = try #require(try engine.restRound(learn: Self.settings, writer: Self.writerTraining), "round 1 has passage 1's winner")
        let second = try engine.restRound(learn: Self.settings, writer: Self.writerTraining)
        let again = try #require(engine.state.knowledge.passages[2])
        #expect(again.submitted.title == Self.passages[0].title && again.proposed.allSatisfy { $0.writer == first.adapter })
        #expect(second == nil || second?.edits == [SelfEditReference(passage: 2, candidate: again.chosen!)])
    }

    /// With a replay buffer of one, every candidate of the next passage also trains on the
    /// kept candidate's sequences of one earlier passage, and re-execution agrees.
    @Test func theReplayBufferAddsAnEarlierPassagesKeptSequences() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-rehearse") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        let passages = Self.passages
        let first = try engine.learn(title: passages[0].title, text: passages[0].text, questions: KnowledgeEngineTests.questions(passages[0]),
                                     settings: Self.settings)
        var rehearsing = Self.settings
        rehearsing.training.rehearse = 1
        let second = try engine.learn(title: passages[1].title, text: passages[1].text, questions: KnowledgeEngineTests.questions(passages[1]),
                                      settings: rehearsing)
        #expect(second.scored[0].sequences == 1 + first.scored[first.chosen.candidate].sequences)
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
    }
}
