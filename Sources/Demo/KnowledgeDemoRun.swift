import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// SEAL's demo on a fresh store (docs/seal.md): fictional passages learned one after another
/// with `Engine.learn`; every passage's quiz answered without the passage by the base model
/// first, and after each passage every passage learned so far is quizzed again with the
/// knowledge adapter the store then has (the forgetting curve).
public struct KnowledgeDemoRun {
    public let settings: KnowledgeDemoSettings
    public let models: EngineModels
    public let writer: LogWriter
    public let passages: [Passage]

    public init(settings: KnowledgeDemoSettings, models: EngineModels, words: [String], writer: LogWriter) {
        (self.settings, self.models, self.writer) = (settings, models, writer)
        passages = FictionalPassages.passages(count: settings.passages, seed: settings.seed, avoiding: words)
    }

    static func quiz(_ passage: Passage) -> [QuizQuestion] { passage.questions.map { QuizQuestion(question: $0.prompt, answer: $0.expected) } }

    /// Answers to every question of `indices`' passages, with `adapter` stacked (nil: the base
    /// model), per passage: which were exact, which contained the answer, and their token F1s.
    func answers(_ indices: [Int], adapter: String?) throws -> [Int: Grades] {
        let questions = indices.flatMap { index in Self.quiz(passages[index]).map { (index, $0) } }
        let language = try models.adapted(AdapterStack(knowledge: adapter), blob: { try self.writer.store.blobs.get(hex: $0) })
        let quiz = KnowledgeLearning.quiz(questions.map(\.1), model: language, maxTokens: settings.quizTokens)
        var byPassage: [Int: Grades] = [:]
        for (index, (passage, question)) in questions.enumerated() { byPassage[passage, default: Grades()].add(quiz.answers[index], question) }
        return byPassage
    }

    /// One passage's replies graded (`KnowledgeLearning.grade`).
    struct Grades {
        var exact: [Bool] = [], contains: [Bool] = [], f1: [Double] = []

        mutating func add(_ reply: String, _ question: QuizQuestion) {
            let grade = KnowledgeLearning.grade(reply, question)
            exact.append(grade.exact)
            contains.append(grade.contains)
            f1.append(Double(grade.f1))
        }
    }

    /// The figure of `indices`' passages from their answers: exact match as an accuracy over
    /// their questions (with its interval and majority baseline), and the mean F1.
    func figure(_ indices: [Int], _ answers: [Int: Grades]) -> KnowledgeDemoReport.Figure {
        let items = indices.flatMap { passages[$0].questions }
        let exact = indices.flatMap { answers[$0]?.exact ?? [] }, contains = indices.flatMap { answers[$0]?.contains ?? [] }
        let f1 = indices.flatMap { answers[$0]?.f1 ?? [] }
        return KnowledgeDemoReport.Figure(exactMatch: Accuracy(correct: exact.count(where: \.self), items: items),
                                          containsAnswer: Accuracy(correct: contains.count(where: \.self), items: items), f1: f1.reduce(0, +) / Double(max(f1.count, 1)))
    }

    public func run(progress: (DemoProgress) -> Void = { _ in }) throws -> KnowledgeDemoReport {
        let started = Date()
        let engine = try Engine(writer: writer, models: models, config: EngineConfig(maxTokens: settings.quizTokens), seed: settings.seed)
        let all = Array(passages.indices)
        progress(.phase("the base model on every quiz, without the passage"))
        let base = try answers(all, adapter: nil)
        var passageOnly: [Int: Grades] = [:], withEdits: [Int: Grades] = [:]
        var learned: [KnowledgeDemoReport.Learned] = []
        var curve: [KnowledgeDemoReport.Figure] = []
        var afterOwn: [Double] = []
        var latest: [Int: Grades] = [:]
        for (index, passage) in passages.enumerated() {
            progress(.phase("passage \(index + 1) of \(passages.count): \(passage.title)"))
            let start = Date()
            let result = try engine.learn(title: passage.title, text: passage.text, questions: Self.quiz(passage), settings: settings.learn) {
                progress(.step(done: $0, total: $1))
            }
            let kept = result.scored[result.chosen.candidate]
            // The quiz right after the passage, as the inner loop scored it: alone, and kept.
            for (target, scored) in [(0, result.scored[0]), (1, kept)] {
                var grades = Grades()
                for (reply, question) in zip(scored.answers, result.submitted.questions) { grades.add(reply, question) }
                if target == 0 { passageOnly[index] = grades } else { withEdits[index] = grades }
            }
            learned.append(KnowledgeDemoReport.Learned(passage: index + 1, title: passage.title,
                                                       candidates: result.scored.map { [Double($0.exactMatch), Double($0.containsAnswer), Double($0.f1)] },
                                                       chosen: result.chosen.candidate, beatsPassage: result.chosen.beatsPassage,
                                                       seconds: Date().timeIntervalSince(start)))
            latest = try answers(Array(0...index), adapter: engine.state.knowledge.adapter)
            curve.append(figure(Array(0...index), latest))
            afterOwn.append(figure([index], latest).exactMatch.accuracy)
            progress(.line(String(format: "passage %d: kept candidate %d (%@ the passage alone); the %d learned so far: exact match %.1f%%, "
                                  + "contains the answer %.1f%%, F1 %.2f", index + 1, result.chosen.candidate,
                                  result.chosen.beatsPassage ? "beats" : "does not beat", index + 1, curve.last!.exactMatch.accuracy * 100,
                                  curve.last!.containsAnswer.accuracy * 100, curve.last!.f1)))
        }
        let forgetting = all.map { KnowledgeDemoReport.Forgetting(passage: $0 + 1, afterOwn: afterOwn[$0], atEnd: figure([$0], latest).exactMatch.accuracy) }
        return KnowledgeDemoReport(settings: settings, model: engine.state.created!.model, modelFingerprint: models.fingerprint, threads: models.threads,
                                   base: figure(all, base), passageOnly: figure(all, passageOnly), withEdits: figure(all, withEdits), atEnd: figure(all, latest),
                                   curve: curve, forgetting: forgetting, learned: learned, stateHash: engine.state.hash.hex,
                                   seconds: Date().timeIntervalSince(started))
    }
}
