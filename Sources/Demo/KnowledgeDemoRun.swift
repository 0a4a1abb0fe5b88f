import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// SEAL's demo on a fresh store (docs/seal.md). Invented passages split by title. The training
/// part is learned one passage after another with `Engine.learn` (SEAL's continual setting),
/// quizzing every passage learned so far after each one (the forgetting curve); then again on
/// a branch with the replay buffer (the countermeasure). ReST-EM then trains the self-edit
/// writer on the main branch's winning edits. The held-out part is never learned by the
/// store: each of its passages is learned alone from the knowledge adapter the training
/// passages left, by the passage alone and with one self-edit of each writer (the base model,
/// then each round's), without choosing among edits, and quizzed. The control set and the drift on prose show what the knowledge
/// adapter costs elsewhere.
public struct KnowledgeDemoRun {
    public let settings: KnowledgeDemoSettings
    public let models: EngineModels
    public let writer: any HistoryWriter
    public let training: [Passage]
    public let heldOut: [Passage]
    public let control: [TaskItem]
    public let prose: String?
    /// The branch that learns the training passages with the replay buffer.
    public static let rehearsedBranch = "rehearse"

    public init(settings: KnowledgeDemoSettings, models: EngineModels, words: [String], writer: any HistoryWriter, prose: String?) {
        (self.settings, self.models, self.writer, self.prose) = (settings, models, writer, prose)
        let parts = FictionalPassages.splits(FictionalPassages.passages(count: settings.passages, seed: settings.seed, avoiding: words), seed: settings.seed)
        var (training, heldOut) = (parts.training, parts.validation + parts.test)
        // A tiny run still has one passage on each side.
        if training.isEmpty, heldOut.count > 1 { training.append(heldOut.removeFirst()) }
        if heldOut.isEmpty, training.count > 1 { heldOut.append(training.removeLast()) }
        (self.training, self.heldOut) = (training, heldOut)
        control = TaskGenerators.spread(TaskGenerators.control, count: settings.controlItems)
    }

    static func quiz(_ passage: Passage) -> [QuizQuestion] { passage.questions.map { QuizQuestion(question: $0.prompt, answer: $0.expected) } }

    /// One passage's replies graded (`KnowledgeLearning.grade`).
    struct Grades {
        var exact: [Bool] = [], contains: [Bool] = [], f1: [Double] = []

        init() {}

        init(_ replies: [String], _ quiz: [QuizQuestion]) {
            for (reply, question) in zip(replies, quiz) { add(reply, question) }
        }

        mutating func add(_ reply: String, _ question: QuizQuestion) {
            let grade = KnowledgeLearning.grade(reply, question)
            exact.append(grade.exact)
            contains.append(grade.contains)
            f1.append(Double(grade.f1))
        }
    }

    /// The figure of `passages` from their grades (in the same order): exact match and
    /// containment as accuracies over their questions, and the mean F1.
    static func figure(_ passages: [Passage], _ grades: [Grades]) -> KnowledgeDemoReport.Figure {
        let items = passages.flatMap(\.questions)
        let f1 = grades.flatMap(\.f1)
        return KnowledgeDemoReport.Figure(exactMatch: Accuracy(correct: grades.flatMap(\.exact).count(where: \.self), items: items),
                                          containsAnswer: Accuracy(correct: grades.flatMap(\.contains).count(where: \.self), items: items),
                                          f1: f1.reduce(0, +) / Double(max(f1.count, 1)))
    }

    /// Every question of `passages` answered without the passage, with `knowledge` stacked (nil:
    /// the base model), graded per passage.
    func answers(_ passages: [Passage], knowledge: String?) throws -> [Grades] {
        let quizzes = passages.map(Self.quiz)
        let language = try models.adapted(AdapterStack(knowledge: knowledge), blob: { try self.writer.history.blob(hex: $0) })
        let replies = KnowledgeLearning.quiz(quizzes.flatMap { $0 }, model: language, maxTokens: settings.quizTokens).answers
        var offset = 0
        return quizzes.map { quiz in
            defer { offset += quiz.count }
            return Grades(Array(replies[offset..<(offset + quiz.count)]), quiz)
        }
    }

    /// The training passages learned in turn on `engine`'s branch with a replay buffer of
    /// `rehearse`, every passage so far quizzed after each.
    func continual(_ engine: Engine, rehearse: Int, progress: (DemoProgress) -> Void) throws -> KnowledgeDemoReport.Continual {
        var learned: [KnowledgeDemoReport.Learned] = []
        var curve: [KnowledgeDemoReport.Figure] = []
        var rightAfter: [Grades] = [], passageAlone: [Grades] = [], kept: [Grades] = [], latest: [Grades] = []
        for (index, passage) in training.enumerated() {
            progress(.phase("\(rehearse == 0 ? "" : "with the replay buffer: ")passage \(index + 1) of \(training.count): \(passage.title)"))
            let start = Date()
            let result = try engine.learn(title: passage.title, text: passage.text, questions: Self.quiz(passage), settings: settings.learn(rehearse: rehearse)) {
                progress(.step(done: $0, total: $1))
            }
            passageAlone.append(Grades(result.scored[0].answers, result.submitted.questions))
            kept.append(Grades(result.scored[result.chosen.candidate].answers, result.submitted.questions))
            learned.append(KnowledgeDemoReport.Learned(passage: result.submitted.passage, title: passage.title,
                                                       candidates: result.scored.map { [Double($0.exactMatch), Double($0.containsAnswer), Double($0.f1)] },
                                                       chosen: result.chosen.candidate, beatsPassage: result.chosen.beatsPassage,
                                                       seconds: Date().timeIntervalSince(start)))
            latest = try answers(Array(training[0...index]), knowledge: engine.state.knowledge.adapter)
            rightAfter.append(latest[index])
            curve.append(Self.figure(Array(training[0...index]), latest))
            progress(.line(String(format: "passage %d: kept candidate %d (%@ the passage alone); the %d learned so far: contains the answer %.1f%%, F1 %.2f",
                                  index + 1, result.chosen.candidate, result.chosen.beatsPassage ? "beats" : "does not beat", index + 1,
                                  curve.last!.containsAnswer.accuracy * 100, curve.last!.f1)))
        }
        let control = try Evaluator(models: models, state: engine.state, blobs: writer.history, maxTokens: TaskGenerators.controlAnswerTokens)
            .accuracy(self.control)
        let drift = try prose.map { text in
            try Drift.measure(models: models, adapters: [{ try models.adapted(try writer.history.blob(hex: engine.state.knowledge.adapter!)) }], of: 1, text: text)
        }
        return KnowledgeDemoReport.Continual(rehearse: rehearse, passageAlone: Self.figure(training, passageAlone), kept: Self.figure(training, kept),
                                             rightAfter: Self.figure(training, rightAfter), atEnd: Self.figure(training, latest), curve: curve,
                                             learned: learned, control: control, drift: drift, stateHash: engine.state.hash.hex)
    }

    /// The held-out passages, each learned alone from the knowledge adapter `from` (what the
    /// store knew after its training passages, as a new passage would be learned): the passage
    /// alone, then with one self-edit by each of `writers` (nil: the base model). Nothing is
    /// chosen or recorded. The first condition is that adapter without the passage.
    func heldOutFigures(from adapter: String, writers: [(name: String, adapter: String?)], progress: (DemoProgress) -> Void) throws -> [KnowledgeDemoReport.Condition] {
        let from = (hash: adapter, blob: try writer.history.blob(hex: adapter))
        var grades = [[Grades]](repeating: [], count: writers.count + 1)
        var one = settings.learn()
        one.candidates = 1
        let models = try writers.map { try self.models.writer($0.adapter, blob: writer.history.blob(hex:)) }
        for (index, passage) in heldOut.enumerated() {
            progress(.phase("held-out passage \(index + 1) of \(heldOut.count): \(passage.title), learned alone"))
            progress(.step(done: index, total: heldOut.count))
            let submitted = PassageSubmitted(passage: 1_000 + index, title: passage.title, text: passage.text, questions: Self.quiz(passage), questionsBy: "user")
            let edits: [String?] = [nil] + zip(writers, models).map { writer, model in
                KnowledgeLearning.propose(submitted, settings: one, writer: model, writerAdapter: writer.adapter)[0].text
            }
            for (condition, edit) in edits.enumerated() {
                let trained = try KnowledgeLearning.train(submitted, candidate: condition, edit: edit, training: settings.training, quizTokens: settings.quizTokens,
                                                          from: from, language: self.models.language)
                grades[condition].append(Grades(trained.scored.answers, submitted.questions))
            }
        }
        let names = ["passage alone"] + writers.map { "passage + one edit by \($0.name)" }
        let before = KnowledgeDemoReport.Condition(name: "the store's knowledge, without the passage", figure: Self.figure(heldOut, try answers(heldOut, knowledge: adapter)))
        return [before] + zip(names, grades).map { KnowledgeDemoReport.Condition(name: $0, figure: Self.figure(heldOut, $1)) }
    }

    public func run(progress: (DemoProgress) -> Void = { _ in }) throws -> KnowledgeDemoReport {
        let started = Date()
        let config = EngineConfig(maxTokens: settings.quizTokens)
        let engine = try Engine(writer: writer, models: models, config: config, seed: settings.seed)
        progress(.phase("the base model on every quiz, without the passage"))
        let base = (training: Self.figure(training, try answers(training, knowledge: nil)), heldOut: Self.figure(heldOut, try answers(heldOut, knowledge: nil)))
        let baseControl = try Evaluator(models: models, maxTokens: TaskGenerators.controlAnswerTokens).accuracy(control)

        let plain = try continual(engine, rehearse: 0, progress: progress)
        let knowledge = engine.state.knowledge.adapter!
        try writer.createBranch(Self.rehearsedBranch, from: "main", at: try writer.history.events(branch: "main").first!.sequence)
        let rehearsed = try continual(try Engine(writer: writer, branch: Self.rehearsedBranch, models: models, config: config, seed: settings.seed),
                                      rehearse: settings.rehearse, progress: progress)

        var rounds: [KnowledgeDemoReport.Round] = []
        var stopped: String?
        for round in 0..<settings.rounds where stopped == nil {
            let before = engine.state.knowledge.passages.count
            if let trained = try engine.restRound(learn: settings.learn(), writer: settings.writer, phase: { progress(.phase($0)) },
                                                  progress: { progress(.step(done: $0, total: $1)) }) {
                rounds.append(KnowledgeDemoReport.Round(round: trained.round, edits: trained.edits.count, relearned: engine.state.knowledge.passages.count - before,
                                                        trainingLoss: Double(trained.trainingLoss), adapter: trained.adapter))
            } else {
                stopped = "round \(round + 1): no kept self-edit beat its passage alone, so the writer had nothing to train on"
            }
        }
        let writers = [("the base model", nil as String?)] + rounds.map { ("the round-\($0.round) writer", Optional($0.adapter)) }
        let heldOut = try heldOutFigures(from: knowledge, writers: writers, progress: progress)
        return KnowledgeDemoReport(settings: settings, model: engine.state.created!.model, modelFingerprint: models.fingerprint, threads: models.threads,
                                   trainingPassages: training.map(\.title), heldOutPassages: self.heldOut.map(\.title),
                                   base: base.heldOut, heldOut: heldOut, baseOnTraining: base.training, baseControl: baseControl,
                                   continual: plain, rehearsed: rehearsed, rounds: rounds, roundsStopped: stopped, stateHash: engine.state.hash.hex,
                                   seconds: Date().timeIntervalSince(started))
    }
}
