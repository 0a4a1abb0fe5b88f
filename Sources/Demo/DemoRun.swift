import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// What a running demo reports, for the command line to draw.
public enum DemoProgress: Sendable {
    /// A phase began.
    case phase(String)
    /// `done` of `total` steps of the current phase.
    case step(done: Int, total: Int)
    /// The store was scored.
    case scored(DemoReport.Checkpoint)
    /// A result worth a line of its own.
    case line(String)
}

/// The letter-counting demo on a fresh store: score, teach with checker feedback, score,
/// poison, score, roll the poison back with `Rollback.exclude`, score. Every step goes
/// through the engine, so the store it leaves is an ordinary one (`gesal-log log`, `audit`,
/// `diff main without-poison` all work on it).
public struct DemoRun {
    public let settings: DemoSettings
    public let models: EngineModels
    public let writer: any HistoryWriter
    public let taught: [TaskItem]
    public let heldOut: [TaskItem]
    public let control: [TaskItem]
    /// Fresh items the poisoned burst asks (empty: it goes over the taught items).
    public let poison: [TaskItem]
    /// The passage the drift figure is measured on (nil: no drift figure).
    public let prose: String?
    /// Answers already generated with these models: a threshold sweep shares one, so the base
    /// model's answers are generated once for all its runs.
    public let cache: GenerationCache

    public static let rolledBackBranch = "without-poison"

    /// What the checker says the right answer was: the number, in digits, as a user who knows
    /// it would type it. The strict checker reads it as the answer.
    public static func correction(for item: TaskItem) -> String {
        String(item.answer)
    }

    /// `writer` must be on a new, empty store: the demo creates its `StoreCreated`.
    public init(settings: DemoSettings, models: EngineModels, words: [String], writer: any HistoryWriter, prose: String? = nil,
                cache: GenerationCache = GenerationCache()) {
        self.settings = settings
        self.prose = prose
        self.cache = cache
        self.models = models
        self.writer = writer
        // Each family split on its own; the taught items interleaved, family by family.
        let families = settings.families ?? ["letters"]
        let splits = families.map { family in
            TaskGenerators.split(TaskGenerators.items(of: family, count: settings.items, seed: settings.seed, words: words) ?? [], seed: settings.seed)
        }
        taught = (0..<(splits.map(\.taught.count).max() ?? 0)).flatMap { i in splits.compactMap { i < $0.taught.count ? $0.taught[i] : nil } }
        heldOut = splits.flatMap(\.heldOut)
        control = TaskGenerators.spread(TaskGenerators.control, count: settings.controlItems)
        let used = Set((taught + heldOut).map(\.prompt))
        poison = settings.poisonItems.map { count in
            families.flatMap { family in
                (TaskGenerators.items(of: family, count: count * 4, seed: settings.seed &+ 7919, words: words) ?? [])
                    .filter { !used.contains($0.prompt) }.prefix(count)
            }
        } ?? []
    }

    public func run(progress: (DemoProgress) -> Void = { _ in }) throws -> DemoReport {
        let started = Date()
        let engine = try Engine(writer: writer, models: models, config: settings.config, seed: settings.seed, generations: cache)
        var checkpoints: [DemoReport.Checkpoint] = []
        var given = 0
        var phaseStart = Date()

        /// Scores the taught items, and with `all` the held-out and control items too.
        func score(_ phase: String, branch: String = "main", state: EngineState, all: Bool = true) throws {
            progress(.phase("scoring (\(phase))"))
            let evaluator = Evaluator(models: models, state: state, blobs: writer.history, cache: engine.generations)
            // The control set is scored at the answer length it was selected with.
            let controlEvaluator = Evaluator(models: models, state: state, blobs: writer.history,
                                             maxTokens: TaskGenerators.controlAnswerTokens, cache: engine.generations)
            let sets = all ? [(taught, evaluator), (heldOut, evaluator), (control, controlEvaluator)] : [(taught, evaluator)]
            var offset = 0
            let total = sets.map(\.0.count).reduce(0, +)
            let verdicts = try sets.map { items, evaluator in
                defer { offset += items.count }
                return try evaluator.answers(items) { done, _ in progress(.step(done: offset + done, total: total)) }.map(\.correct)
            }
            func accuracy(_ set: Int) -> Accuracy { Accuracy(correct: verdicts[set].filter { $0 }.count, items: sets[set].0) }
            var scores = DemoReport.Scores(taught: accuracy(0), heldOut: all ? accuracy(1) : nil, control: all ? accuracy(2) : nil)
            if all, settings.families != nil {
                let byFamily = Dictionary(grouping: zip(heldOut, verdicts[1]), by: { $0.0.task })
                scores.heldOutByFamily = byFamily.mapValues { pairs in Accuracy(correct: pairs.filter(\.1).count, items: pairs.map(\.0)) }
            }
            let point = DemoReport.Checkpoint(phase: phase, branch: branch, feedback: given, stateHash: state.hash.hex, scores: scores,
                                              seconds: Date().timeIntervalSince(phaseStart))
            checkpoints.append(point)
            progress(.scored(point))
            phaseStart = Date()
        }

        /// One pass over the taught items: ask each, and reward the answer as `reward` says,
        /// with the correction `correct` gives for a -2 when the demo gives corrections; ask
        /// again after a punished answer, up to `attempts` times. Returns the sequences of the
        /// interactions recorded.
        func feedbackPass(_ label: String, over items: [TaskItem], source: String, attempts: Int, reward: (Bool) -> Float,
                          correct: (TaskItem) -> String) throws -> [UInt64] {
            progress(.phase(label))
            var recorded: [UInt64] = []
            for (index, item) in items.enumerated() {
                for _ in 0..<attempts {
                    let answer = try engine.ask(item.prompt)
                    let value = reward(AnswerExtraction.isCorrect(answer.text, for: item))
                    try engine.feedback(interaction: answer.interaction, reward: value, source: source,
                                        correction: settings.corrections && value < 0 ? correct(item) : nil)
                    recorded.append(answer.sequences.upperBound)
                    given += 1
                    if value > 0 { break }
                }
                progress(.step(done: index + 1, total: items.count))
            }
            return recorded
        }

        try score(DemoReport.baseline, state: engine.state)
        for pass in 1...settings.passes {
            _ = try feedbackPass("feedback pass \(pass) of \(settings.passes)", over: taught, source: "checker", attempts: settings.attempts,
                                 reward: { $0 ? 1 : -2 }, correct: { Self.correction(for: $0) })
            let last = pass == settings.passes
            try score(last ? DemoReport.afterFeedback : "feedback pass \(pass)", state: engine.state, all: last)
        }
        let trigger = settings.config.trigger == nil ? nil
            : TriggerFigures(try writer.history.events(branch: "main").map { try DomainEvent($0) })
        let families = Dictionary((taught + heldOut).map { ($0.prompt, $0.task) }, uniquingKeysWith: { first, _ in first })
        let clusters = settings.config.buffer == nil ? nil : ClusterFigures(engine.state) { families[$0] ?? "other" }
        let pool = settings.config.loraStore == nil ? nil
            : PoolFigures(engine.state, events: try writer.history.events(branch: "main").map { try DomainEvent($0) }) { families[$0] ?? "other" }
        var drift: DriftFigure?
        if let prose {
            progress(.phase("drift on prose"))
            drift = try Drift.measure(models: models, state: engine.state, blobs: writer.history, text: prose)
        }
        let beforePoison = engine.state.hash
        var poisoned: [UInt64] = []
        for pass in 1...settings.poisonPasses {
            poisoned += try feedbackPass("poisoned pass \(pass) of \(settings.poisonPasses)", over: poison.isEmpty ? taught : poison, source: "poison", attempts: 1,
                                         reward: { $0 ? -2 : 1 }, correct: { Self.correction(for: TaskItem(task: $0.task, prompt: $0.prompt, answer: $0.answer + 1)) })
        }
        try score(DemoReport.afterPoison, state: engine.state)

        progress(.phase("rollback --exclude of \(poisoned.count) poisoned interactions"))
        let rollback = try Rollback.exclude(poisoned, from: "main", into: Self.rolledBackBranch, writer: writer, models: models,
                                            reason: "demo: poisoned feedback") { done, total in progress(.step(done: done, total: total)) }
        given -= poisoned.count
        try score(DemoReport.afterRollback, branch: Self.rolledBackBranch, state: rollback.state)

        return DemoReport(settings: settings, model: engine.state.created!.model, modelFingerprint: models.fingerprint, threads: models.threads,
                          checkpoints: checkpoints,
                          rollback: DemoReport.Rollback(branch: rollback.branch, excluded: poisoned, stateHash: rollback.stateHash,
                                                        matchesBeforePoison: rollback.state.hash == beforePoison),
                          drift: drift, trigger: trigger, clusters: clusters, pool: pool, seconds: Date().timeIntervalSince(started))
    }
}
