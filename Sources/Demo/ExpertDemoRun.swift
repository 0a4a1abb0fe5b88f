import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// Transformer²'s demo on a fresh store (docs/transformer2.md): train an expert per task and
/// the classifier, compare the base model, each expert, the oracle and each dispatch strategy
/// on a mixed test stream, then mix the experts by few-shot CEM for the unseen task (per
/// expert and per matrix) and score every model on its test part. Every step goes through the
/// engine, so the store it leaves is an ordinary one (`gesal expert list`, `gesal-log audit
/// expert NAME`, `gesal-log replay --reexecute`).
public struct ExpertDemoRun {
    public let settings: ExpertDemoSettings
    public let models: EngineModels
    public let words: [String]
    public let writer: any HistoryWriter

    /// `writer` must be on a new, empty store: the demo creates its `StoreCreated`.
    public init(settings: ExpertDemoSettings, models: EngineModels, words: [String], writer: any HistoryWriter) {
        (self.settings, self.models, self.words, self.writer) = (settings, models, words, writer)
    }

    /// Runs the demo; `progress` sees each phase, its steps, and a line worth printing after each.
    public func run(progress: (DemoProgress) -> Void = { _ in }) throws -> ExpertDemoReport {
        let started = Date()
        let engine = try Engine(writer: writer, models: models, config: settings.config, seed: settings.seed)
        let words = { self.words }

        func train(_ task: String) throws -> ExpertDemoReport.Trained {
            let name = ExpertDemoSettings.expertName(task)
            let start = Date()
            progress(.phase("training \(name) on \(task)"))
            let trained = try engine.trainExpert(name: name, settings: settings.expertSettings(task), words: words) { progress(.step(done: $0, total: $1)) }
            let kept = trained.curve[trained.kept]
            progress(.line(String(format: "%@: kept step %d of %d, validation %.1f%% of %d items (base %.1f%%)", name, kept.step, trained.settings.steps,
                                  kept.accuracy * 100, trained.validation.count, trained.curve[0].accuracy * 100)))
            return ExpertDemoReport.Trained(trained, seconds: Date().timeIntervalSince(start))
        }
        let experts = try settings.tasks.map(train)
        let classifier = try train(ExpertTraining.classificationTask)

        progress(.phase("mixed test stream: base, each expert, oracle, \(settings.strategies.map(\.rawValue).joined(separator: ", "))"))
        let library = try ExpertRecords.active(in: writer.history, branch: engine.branch, state: engine.state)
        let dispatcher = try Dispatcher(trained: library, models: models, threshold: settings.threshold, blob: { try self.writer.history.blob(hex: $0) })
        let comparison = try DispatchEvaluation.run(experts: library, dispatcher: dispatcher, strategies: settings.strategies, blobs: writer.history,
                                                    maxTokens: settings.expert.maxTokens, words: words) { progress(.step(done: $0, total: $1)) }

        let names = experts.map(\.name)
        var mixes: [ExpertDemoReport.Mix] = []
        for granularity in settings.granularities {
            let name = ExpertDemoSettings.mixName(granularity)
            let start = Date()
            progress(.phase("CEM \(granularity == .expert ? "per expert" : "per matrix") on \(settings.mix.shots) shots of \(settings.unseen)"))
            let mixed = try engine.adaptExpert(name: name, settings: settings.mixSettings(granularity), experts: names, words: words) {
                progress(.step(done: $0, total: $1))
            }
            let mix = ExpertDemoReport.Mix(mixed, granularity: granularity, seconds: Date().timeIntervalSince(start))
            progress(.line(String(format: "%@: shot accuracy %.2f (best of each generation: %@)", name, mix.shotAccuracy,
                                  mix.best.map { String(format: "%.2f", $0) }.joined(separator: " "))))
            mixes.append(mix)
        }

        progress(.phase("\(settings.unseen)'s test part: base, each expert, each mix"))
        let unseen = try unseenRows(engine: engine, experts: names, mixes: mixes.map(\.name)) { progress(.step(done: $0, total: $1)) }
        return ExpertDemoReport(settings: settings, model: engine.state.created!.model, modelFingerprint: models.fingerprint, threads: models.threads,
                                experts: experts, classifier: classifier, comparison: comparison, mixes: mixes, unseen: unseen,
                                stateHash: engine.state.hash.hex, seconds: Date().timeIntervalSince(started))
    }

    /// The unseen task's test part (never a shot: the shots are from its training part)
    /// answered by the base model, by each expert alone and by each mix.
    func unseenRows(engine: Engine, experts: [String], mixes: [String], progress: (Int, Int) -> Void) throws -> [ExpertDemoReport.Row] {
        let names = experts + mixes
        let items = try ExpertTraining.splits(ExpertSettings(task: settings.unseen, items: settings.mix.items, itemSeed: settings.mix.itemSeed),
                                              words: { self.words }).test
        let evaluator = Evaluator(models: models, blobs: writer.history, maxTokens: settings.expert.maxTokens)
        let models: [(name: String, adapter: String?)] = [("base", nil)] + names.map { name in
            (mixes.contains(name) ? "mix \(name)" : "expert \(name)", engine.state.experts[name]?.adapter)
        }
        return try models.enumerated().map { index, model in
            let correct = try evaluator.correct(items, adapters: items.map { _ in model.adapter })
            progress(index + 1, models.count)
            return ExpertDemoReport.Row(name: model.name, result: Accuracy(correct: correct.count(where: \.self), items: items))
        }
    }
}
