import Adaptation
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

    /// The seed of candidate `candidate`'s sampling for passage `passage`.
    static func seed(_ settings: LearnSettings, passage: Int, candidate: Int) -> UInt64 {
        settings.seed &* 1_000_003 &+ UInt64(passage) &* 1009 &+ UInt64(candidate)
    }

    /// The self-edits for passage `submitted`, sampled in one batch with the base model.
    public static func propose(_ submitted: PassageSubmitted, settings: LearnSettings, language: LanguageModel) -> [SelfEditProposed] {
        let unwritten = (1...settings.candidates).map { candidate in
            SelfEditProposed(passage: submitted.passage, candidate: candidate, style: settings.style, text: "",
                             seed: seed(settings, passage: submitted.passage, candidate: candidate), temperature: settings.temperature,
                             topP: settings.topP, maxTokens: settings.editTokens)
        }
        return zip(unwritten, sample(unwritten, of: submitted, language: language)).map { proposal, text in
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

    /// Trains candidate `candidate` (its `edit`; nil for the passage alone) from `from` (the
    /// knowledge adapter's blob, nil for a fresh LoRA) and quizzes it. `step` is told of each
    /// optimiser step.
    public static func train(_ submitted: PassageSubmitted, candidate: Int, edit: String?, training: KnowledgeTraining, quizTokens: Int,
                             from: (hash: String, blob: [UInt8])?, language: LanguageModel, step: () -> Void = {}) throws -> Candidate {
        var adapters: AdapterSet
        if let from {
            adapters = try AdapterCodec.decodeAdapters(from.blob)
        } else {
            adapters = AdapterSet()
            for (offset, site) in try EngineModels.sites(training.targets, layers: language.model.config.layers).enumerated() {
                let (outputs, inputs) = language.model.shape(site.kind)
                adapters.lora[site] = LoRA(rank: training.rank, alpha: training.alpha, inputs: inputs, outputs: outputs, seed: training.seed &+ UInt64(offset))
            }
        }
        var learner = Learner(language: language, adapters: adapters, optimizer: OptimizerConfig(kind: .adam, learningRate: training.learningRate))
        let examples = sequences(title: submitted.title, text: submitted.text, edit: edit).map { sequence -> (prompt: [Int], response: [Int]) in
            let newline = sequence.firstIndex(of: "\n")!
            return (language.tokenizer.encode(String(sequence[...newline])), language.tokenizer.encode(String(sequence[sequence.index(after: newline)...])))
        }
        var loss: Float = 0
        for _ in 0..<training.epochs {
            loss = 0
            for example in examples {
                loss += learner.supervisedStep(prompt: example.prompt, response: example.response)
                step()
            }
            loss /= Float(examples.count)
        }
        let blob = AdapterCodec.encode(learner.adapters)
        let quiz = quiz(submitted.questions, model: learner.adapted(), maxTokens: quizTokens)
        let scored = SelfEditScored(passage: submitted.passage, candidate: candidate, training: training, sequences: examples.count, trainingLoss: loss,
                                    quizTokens: quizTokens, exactMatch: quiz.exactMatch, containsAnswer: quiz.containsAnswer, f1: quiz.f1,
                                    answers: quiz.answers, from: from?.hash, adapter: Hash256.of(blob).hex)
        return Candidate(scored: scored, blob: blob)
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
