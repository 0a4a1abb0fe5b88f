import Adaptation
import EventLog
import GESAL
import Models
import Tasks

/// Trains one Transformer² expert (docs/transformer2.md): SVF vectors on the store's targets,
/// by REINFORCE on a task's training items, validated every few steps on its validation items,
/// keeping the best checkpoint. Deterministic: the same items, settings and models give the
/// same event and blob bit for bit, which is what `replay --reexecute` checks.
///
/// A step takes the next `batch` training items (each pass over them in an order drawn from the
/// settings' seed), answers them greedily with the expert as it stands, and rewards each answer
/// +1 when the task's checker accepts it and -1 when not (Transformer²'s objective), less the
/// batch's mean with `baseline+reference`. With a reference objective each item's true answer
/// joins as a +1 sample. One Adam step over the batch's summed loss, with the KL penalty
/// towards the base model, follows.
public struct ExpertTraining: Sendable {
    public var event: ExpertTrained
    /// The kept checkpoint's encoded adapters, to store as a blob.
    public var keptBlob: [UInt8]

    /// The tasks an expert can be trained on: the generated families, and the classification
    /// task that makes the library's classifier.
    public static var tasks: [String] { TaskGenerators.families + [classificationTask] }

    /// The classifier's task: the classification prompt (`Dispatcher.classificationPrompt`) of
    /// each expert's training prompt, answered with the expert's task.
    public static let classificationTask = "dispatch"

    /// The classifier's items: every active trained expert's training prompts (for its training)
    /// and validation prompts (for its validation), each as the classification prompt naming
    /// the library's tasks, answered with the prompt's own task. Never a test item.
    public static func classificationItems(_ experts: [ExpertTrained]) throws -> (training: [ExpertItem], validation: [ExpertItem]) {
        let library = experts.filter { $0.settings.task != classificationTask }
        guard Set(library.map(\.settings.task)).count >= 2 else {
            throw EngineError(.invalidRequest, "a classifier needs experts of at least two tasks in the library (it has \(Set(library.map(\.settings.task)).sorted()))")
        }
        // The categories in the dispatcher's order (its candidates, by name), so the classifier
        // learns the very prompt it is asked.
        let tasks = library.sorted { $0.name < $1.name }.map(\.settings.task)
        func items(_ part: (ExpertTrained) -> [ExpertItem]) -> [ExpertItem] {
            var seen: Set<String> = []
            return library.flatMap { expert in
                part(expert).filter { seen.insert($0.prompt).inserted }.map { ExpertItem(prompt: Dispatcher.classificationPrompt($0.prompt, tasks: tasks), answer: expert.settings.task) }
            }
        }
        return (items(\.training), items(\.validation))
    }

    /// The task's items, split three ways (`TaskSplits`); `words` is read only for a task made
    /// of words. An unknown task is refused by name.
    public static func splits(_ settings: ExpertSettings, words: () throws -> [String]) throws -> TaskSplits {
        guard TaskGenerators.families.contains(settings.task) else {
            throw EngineError(.invalidRequest, "unknown task '\(settings.task)' (choose from \(TaskGenerators.families.joined(separator: ", ")))")
        }
        let items = TaskGenerators.items(of: settings.task, count: settings.items, seed: settings.itemSeed,
                                         words: TaskGenerators.needsWords(settings.task) ? try words() : [])!
        return TaskSplits(items, seed: settings.itemSeed)
    }

    /// An expert's items as the event records them.
    public static func recorded(_ items: [TaskItem]) -> [ExpertItem] {
        items.map { ExpertItem(prompt: $0.prompt, answer: $0.expected) }
    }

    /// Trains expert `name`; `progress` sees (steps done, total).
    public static func run(name: String, settings: ExpertSettings, training: [ExpertItem], validation: [ExpertItem], targets: [String],
                           models: EngineModels, progress: (Int, Int) -> Void = { _, _ in }) throws -> ExpertTraining {
        try settings.validate()
        guard !training.isEmpty, !validation.isEmpty else {
            throw EngineError(.invalidRequest, "expert '\(name)' needs training and validation items; the task's split gave \(training.count) and \(validation.count) "
                + "(generate more with --items)")
        }
        guard let composition = SVFComposition(rawValue: settings.composition) else {
            throw EngineError(.invalidRequest, "unknown SVF composition '\(settings.composition)'")
        }
        let language = models.language
        var learner = Learner(language: language, bases: try models.bases(),
                              adapters: try LearningStep.identityAdapters(targets: targets, composition: composition, models: models),
                              optimizer: OptimizerConfig(kind: .adam, learningRate: settings.learningRate))
        let parameters = SamplingParameters(maxTokens: settings.maxTokens)
        func answers(_ items: [ExpertItem], _ model: LanguageModel) -> [(text: String, correct: Bool)] {
            model.generate(items.map { GenerationRequest(prompt: $0.prompt, parameters: parameters) }).enumerated().map { index, generation in
                let item = items[index]
                return (generation.text, AnswerExtraction.isCorrect(generation.text, for: TaskItem(task: settings.task, prompt: item.prompt, given: item.answer)))
            }
        }
        func accuracy(_ model: LanguageModel) -> Float {
            Float(answers(validation, model).count(where: \.correct)) / Float(validation.count)
        }

        // Step 0 is the base model as it is (the identity adapters merged would re-round its weights).
        var blob = AdapterCodec.encode(learner.adapters)
        var curve = [ExpertTrained.Checkpoint(step: 0, accuracy: accuracy(language), loss: 0, adapter: Hash256.of(blob).hex)]
        var keptBlob = blob
        let validated = Set(settings.validatedSteps)
        var order = TrainingOrder(count: training.count, seed: settings.seed)
        var model = language
        var lossSinceCheckpoint: Float = 0, stepsSinceCheckpoint = 0
        for step in 1...settings.steps {
            let batch = (0..<settings.batch).map { _ in training[order.next()] }
            let rollouts = answers(batch, model)
            var episodes: [Learner.Episode] = []
            for (item, (answer, reward)) in zip(batch, zip(rollouts, settings.objective.rewards(rollouts.map(\.correct)))) {
                let prompt = learner.promptTokens(item.prompt)
                // A reward of 0 (the batch's mean) teaches nothing; its KL term alone would pull back.
                if reward != 0 { episodes.append(Learner.Episode(prompt: prompt, response: learner.responseTokens(answer.text), reward: reward)) }
                if settings.objective.usesReference {
                    episodes.append(Learner.Episode(prompt: prompt, response: learner.responseTokens(item.answer), reward: 1))
                }
            }
            let loss = learner.reinforceStep(episodes, klWeight: settings.klWeight)
            guard loss.isFinite, learner.adapters.firstNonFiniteSite() == nil else {
                throw EngineError(.invalidRequest, "expert '\(name)' diverged at step \(step) (loss \(loss)): lower --learning-rate")
            }
            lossSinceCheckpoint += loss / Float(episodes.count)
            stepsSinceCheckpoint += 1
            model = learner.adapted()
            if validated.contains(step) {
                blob = AdapterCodec.encode(learner.adapters)
                curve.append(ExpertTrained.Checkpoint(step: step, accuracy: accuracy(model), loss: lossSinceCheckpoint / Float(stepsSinceCheckpoint),
                                                      adapter: Hash256.of(blob).hex))
                if ExpertTrained.choice(curve) == curve.count - 1 { keptBlob = blob }
                lossSinceCheckpoint = 0
                stepsSinceCheckpoint = 0
            }
            progress(step, settings.steps)
        }
        let event = ExpertTrained(name: name, settings: settings, targets: targets, training: training, validation: validation,
                                  curve: curve, kept: ExpertTrained.choice(curve)!)
        return ExpertTraining(event: event, keptBlob: keptBlob)
    }

    /// How a training run again differs from the recorded one: each checkpoint's adapter hash
    /// and figures, and the choice.
    public static func differences(_ again: ExpertTrained, _ recorded: ExpertTrained) -> [String] {
        var found: [String] = []
        for (a, r) in zip(again.curve, recorded.curve) where a != r {
            found.append(a.adapter != r.adapter ? "step \(r.step)'s adapter \(a.adapter.prefix(12)) ≠ recorded \(r.adapter.prefix(12))"
                                                : "step \(r.step)'s accuracy or loss differs (\(a.accuracy), \(a.loss) ≠ recorded \(r.accuracy), \(r.loss))")
        }
        if again.curve.count != recorded.curve.count { found.append("\(again.curve.count) checkpoints ≠ recorded \(recorded.curve.count)") }
        if again.kept != recorded.kept { found.append("keeps checkpoint \(again.kept) ≠ recorded \(recorded.kept)") }
        return found
    }
}

/// The order training items are taken in: passes over all of them, each a fresh shuffle drawn
/// from the seed (Fisher–Yates), so every item is seen once per pass.
struct TrainingOrder {
    private var random: RandomSource
    private let count: Int
    private var pass: [Int] = []

    init(count: Int, seed: UInt64) {
        self.count = count
        random = RandomSource(seed: seed)
    }

    mutating func next() -> Int {
        if pass.isEmpty {
            pass = Array(0..<count)
            for i in stride(from: count - 1, to: 0, by: -1) { pass.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        }
        return pass.removeLast()
    }
}
