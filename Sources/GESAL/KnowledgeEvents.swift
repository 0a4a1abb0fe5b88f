/// SEAL's facts (docs/seal.md): a passage given to learn, the self-edits the model wrote for
/// it, each one's score after training on it, and the edit kept, whose adapter becomes the
/// store's knowledge adapter.

/// A question about a passage with its short answer, asked without the passage in context.
public struct QuizQuestion: Sendable, Equatable, Codable {
    public var question: String
    public var answer: String

    public init(question: String, answer: String) {
        self.question = question
        self.answer = answer
    }
}

/// A passage to absorb (`gesal learn`), numbered from 1 in the order given.
public struct PassageSubmitted: Sendable, Equatable, Codable {
    public static let typeName = "PassageSubmitted.v1"
    public var passage: Int
    public var title: String
    public var text: String
    /// The quiz that scores each self-edit, never trained on.
    public var questions: [QuizQuestion]
    /// Who wrote the quiz: "user" (given with the passage) or "model" (the model wrote it
    /// from the passage, a weaker test: docs/seal.md).
    public var questionsBy: String

    public static let questionSources = ["user", "model"]

    public init(passage: Int, title: String, text: String, questions: [QuizQuestion], questionsBy: String) {
        (self.passage, self.title, self.text, self.questions, self.questionsBy) = (passage, title, text, questions, questionsBy)
    }
}

/// One self-edit the model wrote for a passage: the text sampled and how it was sampled.
public struct SelfEditProposed: Sendable, Equatable, Codable {
    public static let typeName = "SelfEditProposed.v1"
    public var passage: Int
    /// Numbered from 1 per passage (0 is the passage alone, the baseline every edit must beat).
    public var candidate: Int
    /// The prompt style: "implications" (SEAL's), "rewrite" or "questions".
    public var style: String
    public var text: String
    public var seed: UInt64
    public var temperature: Float
    public var topP: Float
    public var maxTokens: Int
    /// The writer adapter that sampled it (ReST-EM's, `WriterTrained`); absent: the base model.
    public var writer: String?

    public static let styles = ["implications", "rewrite", "questions"]

    public init(passage: Int, candidate: Int, style: String, text: String, seed: UInt64, temperature: Float, topP: Float, maxTokens: Int,
                writer: String? = nil) {
        (self.passage, self.candidate, self.style, self.text, self.seed) = (passage, candidate, style, text, seed)
        (self.temperature, self.topP, self.maxTokens, self.writer) = (temperature, topP, maxTokens, writer)
    }
}

/// How the inner loop trains a candidate: a LoRA on the edit's lines and the passage, by SFT.
public struct KnowledgeTraining: Sendable, Equatable, Codable {
    public var rank: Int
    public var alpha: Float
    public var learningRate: Float
    public var epochs: Int
    /// The matrices the LoRA adapts ("gate", "up", "down", "q", ...).
    public var targets: [String]
    public var seed: UInt64
    /// The replay buffer against forgetting: how many earlier passages (picked at random among
    /// those learned) add their kept candidate's sequences to each candidate's training.
    /// Absent: none, as before the setting existed.
    public var rehearse: Int?

    public init(rank: Int = 8, alpha: Float = 16, learningRate: Float = 1e-3, epochs: Int = 5, targets: [String] = ["gate", "up", "down"], seed: UInt64 = 1,
                rehearse: Int = 0) {
        (self.rank, self.alpha, self.learningRate, self.epochs, self.targets, self.seed) = (rank, alpha, learningRate, epochs, targets, seed)
        self.rehearse = rehearse == 0 ? nil : rehearse
    }

    /// Earlier passages each candidate rehearses (0 without a replay buffer).
    public var rehearsed: Int { rehearse ?? 0 }
}

/// One candidate trained and quizzed: candidate 0 is the passage alone, the others a
/// self-edit's lines plus the passage. The LoRA starts from the knowledge adapter the store
/// had (`from`), so each passage adds to what earlier ones taught.
public struct SelfEditScored: Sendable, Equatable, Codable {
    public static let typeName = "SelfEditScored.v1"
    public var passage: Int
    public var candidate: Int
    public var training: KnowledgeTraining
    /// The sequences trained on, one per line, "title\nline" (the passage itself last).
    public var sequences: Int
    public var trainingLoss: Float
    /// The quiz without the passage, answered greedily in at most `quizTokens` tokens: exact
    /// match after SQuAD's normalisation, whether the reply contains the answer as whole words
    /// (a small model recites rather than answers in a word), and token F1, each a mean over the
    /// questions, and the answers themselves.
    public var quizTokens: Int
    public var exactMatch: Float
    public var containsAnswer: Float
    public var f1: Float
    public var answers: [String]
    /// The knowledge adapter trained from (nil: a fresh LoRA) and the one trained.
    public var from: String?
    public var adapter: String

    public init(passage: Int, candidate: Int, training: KnowledgeTraining, sequences: Int, trainingLoss: Float, quizTokens: Int, exactMatch: Float,
                containsAnswer: Float, f1: Float, answers: [String], from: String?, adapter: String) {
        (self.passage, self.candidate, self.training, self.sequences, self.trainingLoss) = (passage, candidate, training, sequences, trainingLoss)
        (self.quizTokens, self.containsAnswer) = (quizTokens, containsAnswer)
        (self.exactMatch, self.f1, self.answers, self.from, self.adapter) = (exactMatch, f1, answers, from, adapter)
    }

    /// Whether this candidate did better on the quiz: more exact matches, then more replies
    /// that contain the answer, then a higher F1.
    public func beats(_ other: SelfEditScored) -> Bool {
        if exactMatch != other.exactMatch { return exactMatch > other.exactMatch }
        if containsAnswer != other.containsAnswer { return containsAnswer > other.containsAnswer }
        return f1 > other.f1
    }
}

/// The self-edit kept for a passage: its adapter is now the store's knowledge adapter.
public struct SelfEditChosen: Sendable, Equatable, Codable {
    public static let typeName = "SelfEditChosen.v1"
    public var passage: Int
    public var candidate: Int
    public var adapter: String
    /// Whether it beat the passage alone (candidate 0) on the quiz: the edits ReST-EM
    /// fine-tunes the self-edit writer on.
    public var beatsPassage: Bool

    public init(passage: Int, candidate: Int, adapter: String, beatsPassage: Bool) {
        (self.passage, self.candidate, self.adapter, self.beatsPassage) = (passage, candidate, adapter, beatsPassage)
    }

    /// The candidate kept among `scored` (candidate 0, the passage alone, and the edits): the
    /// best edit on the quiz, the earliest of equals; the passage alone only when no edit was
    /// scored. Nil for nothing scored.
    public static func choice(_ scored: [SelfEditScored]) -> Int? {
        let edits = scored.filter { $0.candidate > 0 }.sorted { $0.candidate < $1.candidate }
        var best: SelfEditScored?
        for candidate in edits.isEmpty ? scored : edits where best.map({ candidate.beats($0) }) ?? true { best = candidate }
        return best?.candidate
    }
}

/// A kept self-edit, by passage and candidate.
public struct SelfEditReference: Sendable, Equatable, Codable {
    public var passage: Int
    public var candidate: Int

    public init(passage: Int, candidate: Int) {
        (self.passage, self.candidate) = (passage, candidate)
    }
}

/// One round of ReST-EM (`gesal seal train`): a LoRA on the self-edit writer, trained by SFT
/// (the edit prompt in, the edit out) on every kept self-edit that beat the passage alone among
/// those the current writer wrote. Each round trains a fresh LoRA on its own round's winners,
/// as ReST-EM does; its adapter then writes every later self-edit.
public struct WriterTrained: Sendable, Equatable, Codable {
    public static let typeName = "WriterTrained.v1"
    /// Numbered from 1.
    public var round: Int
    /// The edits trained on, in passage order: the fold recomputes them from the scores.
    public var edits: [SelfEditReference]
    public var training: KnowledgeTraining
    public var trainingLoss: Float
    public var adapter: String

    public init(round: Int, edits: [SelfEditReference], training: KnowledgeTraining, trainingLoss: Float, adapter: String) {
        (self.round, self.edits, self.training, self.trainingLoss, self.adapter) = (round, edits, training, trainingLoss, adapter)
    }
}
