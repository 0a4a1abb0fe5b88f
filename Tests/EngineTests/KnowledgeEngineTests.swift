import Adaptation
import EventLog
import Foundation
import GESAL
import Models
@testable import Engine
import SystemIO
import Tasks
import Testing
import TestSupport

/// SEAL's inner loop on the real models, shrunk: two self-edits of 12 tokens, a rank-2 LoRA on
/// the down projections for one epoch, answers of 4 tokens. Whatever so little learns, the
/// record must hold every fact in turn, the kept adapter must be the knowledge adapter, and
/// the next passage must train from it.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct KnowledgeEngineTests {
    static let settings = LearnSettings(candidates: 2, editTokens: 12, training: KnowledgeTraining(rank: 2, alpha: 4, epochs: 1, targets: ["down"]), quizTokens: 4)
    static let passages = FictionalPassages.passages(count: 2, seed: 5)

    static func questions(_ passage: Passage) -> [QuizQuestion] {
        passage.questions.map { QuizQuestion(question: $0.prompt, answer: $0.expected) }
    }

    /// One store for the suite: passage 1 learned.
    static let store = LoadedOnce("a store that learned a passage") { () throws -> (Engine, Engine.Learned) in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-knowledge") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        let passage = passages[0]
        let learned = try engine.learn(title: passage.title, text: passage.text, questions: questions(passage), settings: settings)
        return (engine, learned)
    }

    @Test func aPassageIsOneRecordOfEveryFactInTurn() throws {
        let (engine, learned) = try Self.store.get()
        let types = try engine.writer.history.events(branch: "main").map(\.type).filter { !$0.hasPrefix("StoreCreated") }
        #expect(types == [PassageSubmitted.typeName, SelfEditProposed.typeName, SelfEditProposed.typeName,
                          SelfEditScored.typeName, SelfEditScored.typeName, SelfEditScored.typeName, SelfEditChosen.typeName])
        #expect(learned.scored.map(\.candidate) == [0, 1, 2] && learned.scored.allSatisfy { $0.answers.count == learned.submitted.questions.count })
        #expect(learned.scored[0].sequences == 1, "the passage alone is one sequence")
    }

    @Test func theKeptAdapterIsTheKnowledgeAdapterAndStored() throws {
        let (engine, learned) = try Self.store.get()
        #expect(engine.state.knowledge.adapter == learned.chosen.adapter)
        #expect(try engine.writer.history.blob(hex: learned.chosen.adapter).isEmpty == false)
        #expect(try Replay.run(engine.writer.history, branch: "main").state.hash == engine.state.hash)
    }

    @Test func trainingACandidateAgainGivesTheSameAdapter() throws {
        let (engine, learned) = try Self.store.get()
        let again = try KnowledgeLearning.train(learned.submitted, candidate: 1, edit: learned.proposed[0].text, training: Self.settings.training,
                                                quizTokens: Self.settings.quizTokens, from: nil, language: engine.models.language)
        #expect(again.scored == learned.scored[1])
        let proposedAgain = KnowledgeLearning.propose(learned.submitted, settings: Self.settings, writer: engine.models.language, writerAdapter: nil)
        #expect(proposedAgain == learned.proposed)
    }

    @Test func theNextPassageTrainsFromTheKnowledgeAdapter() throws {
        let (engine, learned) = try Self.store.get()
        let passage = Self.passages[1]
        let next = try engine.learn(title: passage.title, text: passage.text, questions: Self.questions(passage), settings: Self.settings)
        #expect(next.submitted.passage == 2 && next.scored.allSatisfy { $0.from == learned.chosen.adapter })
    }

    @Test func replayReexecutesTheSelfEditsAndEveryCandidate() throws {
        let (engine, _) = try Self.store.get()
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(report.knowledge >= 4, "passage 1's self-edits and its three candidates at least")
    }

    /// A store whose record says candidate 1 answered the quiz otherwise than it does: the
    /// fold cannot tell, re-execution must.
    @Test func aRewrittenQuizAnswerFailsReexecution() throws {
        let (engine, learned) = try Self.store.get()
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-knowledge-forged") + "/store"
        let forger = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        for scored in learned.scored { _ = try forger.storeBlob(try engine.writer.history.blob(hex: scored.adapter)) }
        var scored = learned.scored
        scored[1].answers[0] = "forged"
        try forger.append([.passageSubmitted(learned.submitted)] + learned.proposed.map { .selfEditProposed($0) } + scored.map { .selfEditScored($0) }
            + [.selfEditChosen(learned.chosen)])
        let report = try Reexecution.verify(forger.writer.history, models: engine.models)
        #expect(report.mismatches.count == 1 && report.mismatches[0].contains("passage 1 candidate 1") && report.mismatches[0].contains("answers"),
                "\(report.mismatches)")
    }

    @Test func anAnswerAfterwardsRunsWithTheKnowledgeAdapterAndSaysSo() throws {
        let (engine, _) = try Self.store.get()
        let answer = try engine.ask(Self.passages[0].questions[0].prompt)
        let recorded = try #require(try engine.writer.history.events(branch: "main").last { InteractionRecorded.typeNames.contains($0.type) })
        #expect(recorded.type == InteractionRecorded.knowledgeTypeName)
        guard case .interactionRecorded(let e) = try DomainEvent(recorded) else { Issue.record("not an interaction"); return }
        #expect(e.knowledge == engine.state.knowledge.adapter && e.interaction == answer.interaction)
        let plan = Evaluator(models: engine.models, state: engine.state, blobs: engine.writer.history).plan(for: "Who founded it?")
        #expect(plan.knowledge == engine.state.knowledge.adapter, "evaluations answer as ask does")
    }

    /// An answer excluded from before a passage: the passage's facts are copied to the new
    /// branch as they are, and its knowledge is the source's.
    @Test func aRollbackKeepsTheKnowledge() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-knowledge-rollback") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        let asked = try engine.ask("What is the capital of France?")
        let passage = Self.passages[0]
        try engine.learn(title: passage.title, text: passage.text, questions: Self.questions(passage), settings: Self.settings)
        let report = try Rollback.exclude([asked.sequences.upperBound], from: "main", into: "without", writer: engine.writer, models: engine.models,
                                          reason: "a test")
        #expect(report.knowledge == 7 && report.state.knowledge == engine.state.knowledge)
    }

    /// Passages 1 and 2 learned, then passage 1 excluded: passage 2 is learned again there (as
    /// passage 1, from no knowledge adapter), so the branch's state is that of a store that
    /// only ever learned it, with the same settings (seed 7 recovered from the record).
    @Test func excludingAPassageGivesTheStateOfAStoreThatNeverLearnedIt() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-knowledge-exclude")
        var settings = Self.settings
        settings.seed = 7
        let both = try RealModels.engine(at: folder + "/both", config: EngineConfig(maxTokens: 4))
        for passage in Self.passages { try both.learn(title: passage.title, text: passage.text, questions: Self.questions(passage), settings: settings) }
        let first = try #require(try both.writer.history.events(branch: "main").first { $0.type == PassageSubmitted.typeName })
        let report = try Rollback.exclude([first.sequence], from: "main", into: "without-1", writer: both.writer, models: both.models, reason: "a test")
        let only = try RealModels.engine(at: folder + "/only", config: EngineConfig(maxTokens: 4))
        let second = Self.passages[1]
        try only.learn(title: second.title, text: second.text, questions: Self.questions(second), settings: settings)
        #expect(report.relearnedPassages == 1 && report.knowledge == 0)
        #expect(report.state.hash == only.state.hash)
        #expect(report.state.knowledge.passages[1]?.submitted.title == second.title)
    }

    @Test func anEmptyPassageIsRefusedAndNothingIsWritten() throws {
        let (engine, _) = try Self.store.get()
        let head = engine.head
        #expect(throws: EngineError.self) { try engine.learn(title: "Nothing", text: " ", questions: Self.questions(Self.passages[0]), settings: Self.settings) }
        #expect(throws: EngineError.self) { try engine.learn(title: "No quiz", text: "Plimt is a city.", questions: [], settings: Self.settings) }
        #expect(engine.head == head)
    }
}
