import Adaptation
import Foundation
import EventLog
import GESAL
import Models
import Tasks

/// How `gesal learn` absorbs a passage (SEAL's inner loop, docs/seal.md).
public struct LearnSettings: Sendable, Equatable {
    /// Self-edits sampled per passage, their prompt style, and how they are sampled.
    public var candidates: Int
    public var style: String
    public var temperature: Float
    public var topP: Float
    public var editTokens: Int
    /// How every candidate's LoRA trains.
    public var training: KnowledgeTraining
    /// The longest quiz answer, in tokens.
    public var quizTokens: Int
    /// Seeds the self-edits' sampling.
    public var seed: UInt64

    /// SEAL's sampling (k = 5 at temperature 1.0, top-p 0.95); a smaller LoRA than SEAL's rank
    /// 32 and 10 epochs, since every candidate trains on the CPU.
    public init(candidates: Int = 5, style: String = "implications", temperature: Float = 1, topP: Float = 0.95, editTokens: Int = 128,
                training: KnowledgeTraining = KnowledgeTraining(), quizTokens: Int = 16, seed: UInt64 = 1) {
        (self.candidates, self.style, self.temperature, self.topP, self.editTokens) = (candidates, style, temperature, topP, editTokens)
        (self.training, self.quizTokens, self.seed) = (training, quizTokens, seed)
    }

    /// Refuses settings out of range; `name` turns a field name into what the caller sees.
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.selfEdits.check(candidates, name("candidates"))
        guard SelfEditProposed.styles.contains(style) else {
            throw EngineError(.invalidRequest, "\(name("style")) is '\(style)': \(SelfEditProposed.styles.joined(separator: ", "))")
        }
        try Limits.temperature.check(temperature, name("temperature"))
        try Limits.topP.check(topP, name("topP"))
        try Limits.maxTokens.check(editTokens, name("editTokens"))
        try Limits.maxTokens.check(quizTokens, name("quizTokens"))
        try training.validate(naming: name)
    }
}

/// SEAL's inner loop for one passage, as pure functions of the passage, the settings and the
/// models: the self-edits sampled, then each candidate (0: the passage alone, then each edit's
/// lines with the passage) trained as a LoRA from the store's knowledge adapter and quizzed
/// without the passage. Deterministic, so `replay --reexecute` can run it again bit for bit.
public enum KnowledgeLearning {
    /// The prompt that asks for a self-edit of `style`.
    public static func editPrompt(style: String, title: String, text: String) -> String {
        switch style {
        case "rewrite": "Rewrite the following passage in your own words, one fact per line.\n\n\(title)\n\(text)\n\nRewrite:"
        case "questions": "Write questions about the following passage, each followed by its answer, one per line.\n\n\(title)\n\(text)\n\nQuestions and answers:"
        default: "Let's read the following passage and produce a list of implications derived directly or indirectly from the content.\n\n"
            + "\(title)\n\(text)\n\nImplications:"
        }
    }

    /// The prompt that asks the model for a quiz on a passage it was given no questions for;
    /// it ends in "Q:", so the reply starts with the first question.
    public static func quizPrompt(title: String, text: String) -> String {
        "\(title)\n\(text)\n\nWrite five questions about this passage, each with its one-word answer.\nQ:"
    }

    /// The longest quiz the model writes, in tokens.
    public static let quizWritingTokens = 200

    /// A quiz the model writes for a passage (greedy, so the same every time): each "Q: …"
    /// with the "A: …" after it (on the same line or the next), kept when the answer is at most
    /// four words, is stated in the passage, and is not in its own question. Empty when none is.
    public static func writeQuiz(title: String, text: String, language: LanguageModel) -> [QuizQuestion] {
        let reply = language.generate([GenerationRequest(prompt: quizPrompt(title: title, text: text),
                                                         parameters: SamplingParameters(maxTokens: quizWritingTokens))])[0].text
        return quiz(fromReply: "Q:" + reply, passage: text)
    }

    /// The usable questions of a quiz the model wrote (`writeQuiz`).
    static func quiz(fromReply reply: String, passage text: String) -> [QuizQuestion] {
        // The reply cut at every "Q:" and "A:", each part with its marker.
        var parts: [(marker: Character, text: String)] = []
        var rest = Substring(reply)
        while let marker = rest.firstRange(of: /[QA]:/) {
            if !parts.isEmpty { parts[parts.count - 1].text = String(rest[..<marker.lowerBound]) }
            parts.append((rest[marker.lowerBound], ""))
            rest = rest[marker.upperBound...]
        }
        if !parts.isEmpty { parts[parts.count - 1].text = String(rest) }
        var quiz: [QuizQuestion] = []
        for (q, a) in zip(parts, parts.dropFirst()) where q.marker == "Q" && a.marker == "A" {
            var question = q.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if question.hasPrefix("Question:") { question = question.dropFirst(9).trimmingCharacters(in: .whitespaces) }
            let answer = (a.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces.union(.punctuationCharacters))
            guard !question.isEmpty, (1...4).contains(answer.split(separator: " ").count), AnswerExtraction.contains(text, phrase: answer),
                  !AnswerExtraction.contains(question, phrase: answer), !quiz.contains(where: { $0.question == question }) else { continue }
            quiz.append(QuizQuestion(question: question, answer: answer))
        }
        return Array(quiz.prefix(Int(Limits.quizQuestions.upper)))
    }

    /// The seed of candidate `candidate`'s sampling for passage `passage`.
    static func seed(_ settings: LearnSettings, passage: Int, candidate: Int) -> UInt64 {
        settings.seed &* seedMultiplier &+ seedOffset(passage: passage, candidate: candidate)
    }

    static func seedOffset(passage: Int, candidate: Int) -> UInt64 { UInt64(passage) &* 1009 &+ UInt64(candidate) }

    static let seedMultiplier: UInt64 = 1_000_003

    /// The settings a passage was learned with, read back from its record (the settings' seed
    /// from its first edit's: the multiplier is odd, so invertible modulo 2^64). What a
    /// rollback learns a later passage again with.
    public static func settings(of learned: EngineState.Knowledge.Learned) -> LearnSettings {
        let first = learned.proposed.first, scored = learned.scored.first
        var inverse = seedMultiplier  // Newton's iteration: each step doubles the correct low bits.
        for _ in 0..<6 { inverse = inverse &* (2 &- seedMultiplier &* inverse) }
        let seed = first.map { ($0.seed &- seedOffset(passage: learned.submitted.passage, candidate: $0.candidate)) &* inverse } ?? 1
        let defaults = LearnSettings()
        return LearnSettings(candidates: learned.proposed.count, style: first?.style ?? defaults.style, temperature: first?.temperature ?? defaults.temperature,
                             topP: first?.topP ?? defaults.topP, editTokens: first?.maxTokens ?? defaults.editTokens,
                             training: scored?.training ?? defaults.training, quizTokens: scored?.quizTokens ?? defaults.quizTokens, seed: seed)
    }

    /// The self-edits for passage `submitted`, sampled in one batch by `writer` (the base model,
    /// or adapted by the writer adapter named `writerAdapter`).
    public static func propose(_ submitted: PassageSubmitted, settings: LearnSettings, writer: LanguageModel, writerAdapter: String?) -> [SelfEditProposed] {
        let unwritten = (1...settings.candidates).map { candidate in
            SelfEditProposed(passage: submitted.passage, candidate: candidate, style: settings.style, text: "",
                             seed: seed(settings, passage: submitted.passage, candidate: candidate), temperature: settings.temperature,
                             topP: settings.topP, maxTokens: settings.editTokens, writer: writerAdapter)
        }
        return zip(unwritten, sample(unwritten, of: submitted, language: writer)).map { proposal, text in
            var written = proposal
            written.text = text
            return written
        }
    }

    /// The texts of `proposals` (one passage's, in one batch, as `propose` samples them), each
    /// sampled as it records: what `replay --reexecute` compares with the recorded texts.
    public static func sample(_ proposals: [SelfEditProposed], of submitted: PassageSubmitted, language: LanguageModel) -> [String] {
        language.generate(proposals.map { proposal in
            GenerationRequest(prompt: editPrompt(style: proposal.style, title: submitted.title, text: submitted.text),
                              parameters: SamplingParameters(temperature: proposal.temperature, topP: proposal.topP, seed: proposal.seed,
                                                             maxTokens: proposal.maxTokens))
        }).map(\.text)
    }

    /// What a candidate trains on: each non-empty line of its edit as "title\nline", then the
    /// passage as "title\ntext" (candidate 0 has the passage alone), as plain text.
    public static func sequences(title: String, text: String, edit: String?) -> [String] {
        let lines = (edit ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return (lines + [text]).map { "\(title)\n\($0)" }
    }

    /// One candidate trained and quizzed, and its adapter's bytes.
    public struct Candidate: Sendable {
        public var scored: SelfEditScored
        public var blob: [UInt8]
    }

    /// The replay buffer against forgetting: the sequences of the kept candidates of
    /// `training.rehearsed` passages picked at random (seeded by `passage`) among those learned
    /// before `passage`, in passage order.
    public static func rehearsal(_ knowledge: EngineState.Knowledge, for passage: Int, training: KnowledgeTraining) -> [String] {
        var pool = knowledge.passages.keys.sorted().filter { $0 < passage && knowledge.passages[$0]!.chosen != nil }
        var random = RandomSource(seed: training.seed &* 7919 &+ UInt64(passage))
        var picked: [Int] = []
        while picked.count < training.rehearsed, !pool.isEmpty { picked.append(pool.remove(at: Int(random.next() % UInt64(pool.count)))) }
        return picked.sorted().flatMap { number in
            let learned = knowledge.passages[number]!
            let kept = learned.chosen!
            return sequences(title: learned.submitted.title, text: learned.submitted.text, edit: kept == 0 ? nil : learned.proposed[kept - 1].text)
        }
    }

    /// Trains candidate `candidate` (its `edit`; nil for the passage alone, and the
    /// `rehearsal` sequences of earlier passages) from `from` (the knowledge adapter's blob, nil
    /// for a fresh LoRA) and quizzes it. `step` is told of each optimiser step.
    public static func train(_ submitted: PassageSubmitted, candidate: Int, edit: String?, rehearsal: [String] = [], training: KnowledgeTraining,
                             quizTokens: Int, from: (hash: String, blob: [UInt8])?, language: LanguageModel, step: () -> Void = {}) throws -> Candidate {
        let adapters = try from.map { try AdapterCodec.decodeAdapters($0.blob) } ?? freshLoRA(training, language: language)
        var learner = Learner(language: language, adapters: adapters, optimizer: OptimizerConfig(kind: .adam, learningRate: training.learningRate))
        let examples = (sequences(title: submitted.title, text: submitted.text, edit: edit) + rehearsal).map { sequence -> (prompt: [Int], response: [Int]) in
            let newline = sequence.firstIndex(of: "\n")!
            return (language.tokenizer.encode(String(sequence[...newline])), language.tokenizer.encode(String(sequence[sequence.index(after: newline)...])))
        }
        let loss = fit(&learner, on: examples, epochs: training.epochs, step: step)
        let blob = AdapterCodec.encode(learner.adapters)
        let quiz = quiz(submitted.questions, model: learner.adapted(), maxTokens: quizTokens)
        let scored = SelfEditScored(passage: submitted.passage, candidate: candidate, training: training, sequences: examples.count, trainingLoss: loss,
                                    quizTokens: quizTokens, exactMatch: quiz.exactMatch, containsAnswer: quiz.containsAnswer, f1: quiz.f1,
                                    answers: quiz.answers, from: from?.hash, adapter: Hash256.of(blob).hex)
        return Candidate(scored: scored, blob: blob)
    }

    /// ReST-EM's M-step: a fresh LoRA on the base model, trained by SFT on each kept self-edit
    /// of `edits` as the reply (ending its turn) to the prompt that asked for it.
    public static func trainWriter(round: Int, edits: [SelfEditReference], of knowledge: EngineState.Knowledge, training: KnowledgeTraining,
                                   language: LanguageModel, step: () -> Void = {}) throws -> (event: WriterTrained, blob: [UInt8]) {
        var learner = Learner(language: language, adapters: try freshLoRA(training, language: language),
                              optimizer: OptimizerConfig(kind: .adam, learningRate: training.learningRate))
        let examples = edits.map { reference -> (prompt: [Int], response: [Int]) in
            let learned = knowledge.passages[reference.passage]!
            let edit = learned.proposed[reference.candidate - 1]
            return (learner.promptTokens(editPrompt(style: edit.style, title: learned.submitted.title, text: learned.submitted.text)),
                    learner.responseTokens(edit.text))
        }
        let loss = fit(&learner, on: examples, epochs: training.epochs, step: step)
        let blob = AdapterCodec.encode(learner.adapters)
        return (WriterTrained(round: round, edits: edits, training: training, trainingLoss: loss, adapter: Hash256.of(blob).hex), blob)
    }

    /// A fresh LoRA of `training`'s rank on its target matrices of every layer.
    static func freshLoRA(_ training: KnowledgeTraining, language: LanguageModel) throws -> AdapterSet {
        var adapters = AdapterSet()
        for (offset, site) in try EngineModels.sites(training.targets, layers: language.model.config.layers).enumerated() {
            let (outputs, inputs) = language.model.shape(site.kind)
            adapters.lora[site] = LoRA(rank: training.rank, alpha: training.alpha, inputs: inputs, outputs: outputs, seed: training.seed &+ UInt64(offset))
        }
        return adapters
    }

    /// SFT with Adam, one step per example in order, an epoch at a time; the last epoch's mean loss.
    static func fit(_ learner: inout Learner, on examples: [(prompt: [Int], response: [Int])], epochs: Int, step: () -> Void) -> Float {
        var loss: Float = 0
        for _ in 0..<epochs {
            loss = 0
            for example in examples {
                loss += learner.supervisedStep(prompt: example.prompt, response: example.response)
                step()
            }
            loss /= Float(max(examples.count, 1))
        }
        return loss
    }

    /// The quiz without the passage: greedy answers, graded.
    public static func quiz(_ questions: [QuizQuestion], model: LanguageModel, maxTokens: Int)
        -> (answers: [String], exactMatch: Float, containsAnswer: Float, f1: Float) {
        let answers = model.generate(questions.map { GenerationRequest(prompt: $0.question, parameters: SamplingParameters(maxTokens: maxTokens)) }).map(\.text)
        let grades = answers.indices.map { grade(answers[$0], questions[$0]) }
        let count = Float(questions.count)
        return (answers, Float(grades.count(where: \.exact)) / count, Float(grades.count(where: \.contains)) / count,
                grades.map(\.f1).reduce(0, +) / count)
    }

    /// One reply graded: exact match after SQuAD's normalisation, whether it contains the
    /// answer as consecutive whole words (the checker of text task items), and token F1.
    public static func grade(_ reply: String, _ question: QuizQuestion) -> (exact: Bool, contains: Bool, f1: Float) {
        (TextAgreement.exactMatch(reply, question.answer), AnswerExtraction.contains(reply, phrase: question.answer), TextAgreement.tokenF1(reply, question.answer))
    }

    /// How a candidate trained again differs from the recorded one.
    public static func differences(_ again: SelfEditScored, _ recorded: SelfEditScored) -> [String] {
        var found: [String] = []
        if again.adapter != recorded.adapter { found.append("adapter \(again.adapter.prefix(12)) ≠ recorded \(recorded.adapter.prefix(12))") }
        if again.trainingLoss.bitPattern != recorded.trainingLoss.bitPattern { found.append("training loss \(again.trainingLoss) ≠ recorded \(recorded.trainingLoss)") }
        if again.answers != recorded.answers || again.exactMatch != recorded.exactMatch || again.f1 != recorded.f1 { found.append("the quiz's answers or scores differ") }
        if found.isEmpty, again != recorded { found.append("its figures differ") }
        return found
    }
}
