import GESAL
import Models

/// SEAL's inner loop on the engine (docs/seal.md): `gesal learn`.
extension Engine {
    /// What learning one passage recorded.
    public struct Learned: Sendable {
        public var submitted: PassageSubmitted
        public var proposed: [SelfEditProposed]
        public var scored: [SelfEditScored]
        public var chosen: SelfEditChosen
    }

    /// Absorbs a passage: samples `settings.candidates` self-edits, trains a LoRA from the store's
    /// knowledge adapter on the passage alone and on each edit with the passage, quizzes each
    /// without the passage, and keeps the best edit as the new knowledge adapter. Every blob is
    /// stored first; then the whole passage is one record, so an interrupted run leaves the
    /// store as it was. `progress` sees (optimiser steps done, total).
    /// Without `questions`, the model writes the quiz itself (`KnowledgeLearning.writeQuiz`,
    /// recorded as the model's): a weaker test, since it asks what the model already noticed.
    @discardableResult
    public func learn(title: String, text: String, questions: [QuizQuestion]?, questionsBy: String = "user", settings: LearnSettings,
                      progress: (Int, Int) -> Void = { _, _ in }) throws -> Learned {
        var submitted = PassageSubmitted(passage: state.knowledge.nextPassage, title: title, text: text, questions: questions ?? [],
                                         questionsBy: questions == nil ? "model" : questionsBy)
        try submitted.validate(quizToWrite: questions == nil)
        try settings.validate()
        let language = models.language
        try checkFits(submitted, settings: settings)
        if questions == nil {
            submitted.questions = KnowledgeLearning.writeQuiz(title: title, text: text, language: language)
            guard !submitted.questions.isEmpty else {
                throw EngineError(.invalidRequest, "the model wrote no usable quiz question for passage \(submitted.passage) (each needs a short answer the passage "
                    + "states and its question does not): give the questions yourself")
            }
            try submitted.validate()
        }
        let proposed = KnowledgeLearning.propose(submitted, settings: settings, writer: try models.writer(state.knowledge.writer, blob: blob), writerAdapter: state.knowledge.writer)
        let from = try state.knowledge.adapter.map { ($0, try blob($0)) }
        let rehearsal = KnowledgeLearning.rehearsal(state.knowledge, for: submitted.passage, training: settings.training)
        let edits: [String?] = [nil] + proposed.map(\.text)
        let total = edits.map { (KnowledgeLearning.sequences(title: title, text: text, edit: $0).count + rehearsal.count) * settings.training.epochs }.reduce(0, +)
        var done = 0
        var scored: [SelfEditScored] = []
        for (candidate, edit) in edits.enumerated() {
            let trained = try KnowledgeLearning.train(submitted, candidate: candidate, edit: edit, rehearsal: rehearsal, training: settings.training,
                                                      quizTokens: settings.quizTokens, from: from, language: language) {
                done += 1
                progress(done, total)
            }
            _ = try storeBlob(trained.blob)
            scored.append(trained.scored)
        }
        let best = SelfEditChosen.choice(scored)!
        let kept = scored[best]
        let chosen = SelfEditChosen(passage: submitted.passage, candidate: best, adapter: kept.adapter, beatsPassage: best > 0 && kept.beats(scored[0]))
        try append([.passageSubmitted(submitted)] + proposed.map { .selfEditProposed($0) } + scored.map { .selfEditScored($0) } + [.selfEditChosen(chosen)])
        return Learned(submitted: submitted, proposed: proposed, scored: scored, chosen: chosen)
    }

    /// Refuses a passage the model cannot read with the self-edit prompt and still write an
    /// edit, or whose own training sequence is beyond the store's learning budget.
    func checkFits(_ submitted: PassageSubmitted, settings: LearnSettings) throws(EngineError) {
        let language = models.language
        let prompt = language.tokenizer.encode(language.template.render(user: KnowledgeLearning.editPrompt(style: settings.style, title: submitted.title,
                                                                                                          text: submitted.text))).count
        let context = language.model.config.contextLength
        guard prompt + settings.editTokens <= context else {
            throw EngineError(.invalidRequest, "passage \(submitted.passage) takes \(prompt) tokens with the self-edit prompt, and the edit \(settings.editTokens) more: "
                + "beyond the model's \(context); split it into shorter passages")
        }
        let sequence = language.tokenizer.encode(KnowledgeLearning.sequences(title: submitted.title, text: submitted.text, edit: nil)[0]).count
        guard sequence <= config.learningTokenBudget else {
            throw EngineError(.invalidRequest, "passage \(submitted.passage) is \(sequence) tokens, beyond the store's learning budget of \(config.learningTokenBudget) "
                + "(memory grows with its square); split it into shorter passages")
        }
    }
}
