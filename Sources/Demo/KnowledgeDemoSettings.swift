import Engine
import GESAL

/// What `gesal demo --system seal` does: how many fictional passages are learned one after
/// another, and how each is learned. Written to the results, so a run can be repeated.
public struct KnowledgeDemoSettings: Sendable, Codable, Equatable {
    public var seed: UInt64
    /// Fictional passages learned in turn (the test part of `FictionalPassages`' split is not
    /// set aside yet: no writer is trained on any of them).
    public var passages: Int
    public var candidates: Int
    public var editTokens: Int
    public var training: KnowledgeTraining
    public var quizTokens: Int

    public init(seed: UInt64, passages: Int, candidates: Int, editTokens: Int, training: KnowledgeTraining, quizTokens: Int) {
        (self.seed, self.passages, self.candidates, self.editTokens, self.training, self.quizTokens) = (seed, passages, candidates, editTokens, training, quizTokens)
    }

    /// SEAL's k = 5 self-edits of 128 tokens, `gesal learn`'s LoRA, 40 passages.
    public static func full(seed: UInt64) -> KnowledgeDemoSettings {
        KnowledgeDemoSettings(seed: seed, passages: 40, candidates: 5, editTokens: 128, training: KnowledgeTraining(seed: seed), quizTokens: 16)
    }

    /// 8 passages, 3 self-edits each.
    public static func quick(seed: UInt64) -> KnowledgeDemoSettings {
        var settings = full(seed: seed)
        settings.passages = 8
        settings.candidates = 3
        return settings
    }

    public var learn: LearnSettings {
        LearnSettings(candidates: candidates, editTokens: editTokens, training: training, quizTokens: quizTokens, seed: seed)
    }

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.demoPassages.check(passages, name("passages"))
        try learn.validate(naming: name)
    }
}
