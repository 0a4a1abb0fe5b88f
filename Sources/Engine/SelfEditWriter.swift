import GESAL
import Models

/// ReST-EM's outer loop on the engine (docs/seal.md, `gesal seal train`): the model that writes
/// self-edits is fine-tuned on the edits that worked, so its next edits work better.
extension EngineModels {
    /// The model that writes self-edits: the base model, adapted by the writer adapter named
    /// `adapter` (ReST-EM's latest round; nil: the base model itself).
    public func writer(_ adapter: String?, blob: (String) throws -> [UInt8]) throws -> LanguageModel {
        try adapter.map { try adapted(try blob($0)) } ?? language
    }
}

extension Engine {
    /// ReST-EM's M-step (`gesal seal train`): the self-edit writer fine-tuned on every kept edit
    /// the current writer wrote that beat its passage alone, recorded as the next round after
    /// its blob is stored. Refused when there is no such edit. `progress` sees (steps done, total).
    @discardableResult
    public func trainWriter(training: KnowledgeTraining, progress: (Int, Int) -> Void = { _, _ in }) throws -> WriterTrained {
        try training.validate()
        let round = state.knowledge.rounds.count + 1
        try Limits.writerRounds.check(round, "the writer's round")
        let edits = state.knowledge.writerData
        guard !edits.isEmpty else {
            throw EngineError(.invalidRequest, "no kept self-edit \(round == 1 ? "" : "of writer round \(round - 1) ")beat its passage alone, so writer round \(round) "
                + "has nothing to train on: learn more passages (gesal learn) first")
        }
        var done = 0
        let trained = try KnowledgeLearning.trainWriter(round: round, edits: edits, of: state.knowledge, training: training, language: models.language) {
            done += 1
            progress(done, edits.count * training.epochs)
        }
        _ = try storeBlob(trained.blob)
        try append([.writerTrained(trained.event)])
        return trained.event
    }

    /// One ReST-EM round. The E-step: when the current writer has written none of the store's
    /// self-edits yet (it was trained after them), every distinct passage the store has learned
    /// is learned again (`learn`, with its quiz) and so gets edits from this writer. The M-step:
    /// `trainWriter` on the winners; nil when no kept edit beat its passage alone, so there is
    /// nothing to train on (the E-step's passages stay learned). `phase` names each part;
    /// `progress` sees its steps.
    @discardableResult
    public func restRound(learn settings: LearnSettings, writer training: KnowledgeTraining, phase: (String) -> Void = { _ in },
                          progress: (Int, Int) -> Void = { _, _ in }) throws -> WriterTrained? {
        let knowledge = state.knowledge
        let written = knowledge.passages.values.contains { $0.proposed.contains { $0.writer == knowledge.writer } }
        if !written {
            var seen = Set<[String]>()
            let distinct = knowledge.passages.keys.sorted().map { knowledge.passages[$0]!.submitted }.filter { seen.insert([$0.title, $0.text]).inserted }
            guard !distinct.isEmpty else { throw EngineError(.invalidRequest, "the store has learned no passage: learn some (gesal learn) before training the writer") }
            for (index, passage) in distinct.enumerated() {
                phase("round \(knowledge.rounds.count + 1), E-step: passage \(index + 1) of \(distinct.count) (\(passage.title)) learned again with the current writer")
                try learn(title: passage.title, text: passage.text, questions: passage.questions, questionsBy: passage.questionsBy, settings: settings, progress: progress)
            }
        }
        guard !state.knowledge.writerData.isEmpty else { return nil }
        phase("round \(knowledge.rounds.count + 1), M-step: the writer trained on the kept edits that beat their passage alone")
        return try trainWriter(training: training, progress: progress)
    }
}
