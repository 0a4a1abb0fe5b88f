import Engine
import GESAL

/// What `gesal demo --system seal` does: how many fictional passages, how each is learned, the
/// countermeasure to forgetting and ReST-EM's rounds. Written to the results, so a run can be
/// repeated.
public struct KnowledgeDemoSettings: Sendable, Codable, Equatable {
    public var seed: UInt64
    /// Fictional passages, split 60/20/20 by title: the training part is learned in the store
    /// (and trains the writer); the validation and test parts are held out, never learned,
    /// selected on or trained on (nothing is tuned on them either).
    public var passages: Int
    public var candidates: Int
    public var editTokens: Int
    public var training: KnowledgeTraining
    public var quizTokens: Int
    /// The countermeasure to forgetting: the replay buffer (earlier passages rehearsed by each
    /// candidate), measured on a second branch that learns the same passages.
    public var rehearse: Int
    /// ReST-EM rounds after the training passages are learned, and how the writer trains.
    public var rounds: Int
    public var writer: KnowledgeTraining
    /// Control questions scored (nil: all of `TaskGenerators.control`).
    public var controlItems: Int?

    public init(seed: UInt64, passages: Int, candidates: Int, editTokens: Int, training: KnowledgeTraining, quizTokens: Int, rehearse: Int,
                rounds: Int, writer: KnowledgeTraining, controlItems: Int?) {
        (self.seed, self.passages, self.candidates, self.editTokens, self.training, self.quizTokens) = (seed, passages, candidates, editTokens, training, quizTokens)
        (self.rehearse, self.rounds, self.writer, self.controlItems) = (rehearse, rounds, writer, controlItems)
    }

    /// SEAL's k = 5 self-edits of 128 tokens, `gesal learn`'s LoRA, 40 passages, a replay buffer
    /// of 2 (each rehearsed passage adds its kept candidate's sequences to every candidate's
    /// training, so 2 already triples it), one ReST-EM round (a second learns every training
    /// passage again: `--rounds 2`).
    public static func full(seed: UInt64) -> KnowledgeDemoSettings {
        KnowledgeDemoSettings(seed: seed, passages: 40, candidates: 5, editTokens: 128, training: KnowledgeTraining(seed: seed), quizTokens: 16,
                              rehearse: 2, rounds: 1, writer: KnowledgeTraining(epochs: 3, seed: seed), controlItems: nil)
    }

    /// 16 passages, 3 self-edits each, 40 control questions.
    public static func quick(seed: UInt64) -> KnowledgeDemoSettings {
        var settings = full(seed: seed)
        (settings.passages, settings.candidates, settings.controlItems) = (16, 3, 40)
        return settings
    }

    /// How the store learns a training passage (`rehearse`: the replay buffer's size, or 0).
    public func learn(rehearse: Int = 0) -> LearnSettings {
        var training = training
        training.rehearse = rehearse == 0 ? nil : rehearse
        return LearnSettings(candidates: candidates, editTokens: editTokens, training: training, quizTokens: quizTokens, seed: seed)
    }

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.demoPassages.check(passages, name("passages"))
        try Limits.demoRounds.check(rounds, name("rounds"))
        try learn(rehearse: rehearse).validate(naming: name)
        try writer.validate(naming: name)
        if let controlItems { try Limits.controlItems.check(controlItems, name("controlItems")) }
    }
}
