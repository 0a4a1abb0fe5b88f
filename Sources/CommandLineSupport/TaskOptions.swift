import ArgumentParser
import Tasks

/// `--task`, `--items`, `--split`, `--count`, `--seed` and `--words`: which evaluation items a
/// verb scores (gesal eval, gesal-log bisect --task, gesal-log curve).
public struct TaskOptions: ParsableArguments {
    public init() {}

    public static let tasks = TaskGenerators.families + ["control"]
    /// GESAL's two parts (taught by feedback, held out), and an expert's three (`TaskSplits`).
    public static let splits = ["taught", "held-out", "all", "training", "validation", "test"]

    @Option(help: "letters, arithmetic, subtraction, multiplication, wordlength or control.")
    public var task = "letters"

    @Option(help: "taught or held-out (GESAL's halves), training, validation or test (an expert's 60/20/20), or all.")
    public var split = "all"

    @Option(help: ArgumentHelp("Score the questions of this file instead of a task: family<TAB>question<TAB>answer per line.", valueName: "PATH"))
    public var items: String?

    @Option(help: "Items generated before the split (control always has all its items).")
    public var count = 40

    @Option(help: "Seed for generating and splitting the items.")
    public var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The word list for letters.", valueName: "PATH"))
    public var words = SetupFolder.path(WordList.defaultPath)

    public func validate() throws {
        guard Self.tasks.contains(task) else { throw ValidationError("--task is one of \(Self.tasks.joined(separator: ", ")), not '\(task)'") }
        guard Self.splits.contains(split) else { throw ValidationError("--split is one of \(Self.splits.joined(separator: ", ")), not '\(split)'") }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    /// The answer length the items were made for, when they say: the control set was selected
    /// at `TaskGenerators.controlAnswerTokens`.
    public var answerTokens: Int? { items == nil && task == "control" ? TaskGenerators.controlAnswerTokens : nil }

    /// What is scored, for reports: the task, or the --items file.
    public var name: String { items ?? task }

    /// The items, generated from the seed (or read from --items) and split by it (docs/evaluation.md).
    public func load() throws -> [TaskItem] {
        let all: [TaskItem]
        if let items {
            do { all = try TaskFile.load(items) } catch { throw ValidationError("--items: \(error)") }
        } else {
            all = TaskGenerators.items(of: task, count: count, seed: seed, words: TaskGenerators.needsWords(task) ? try WordList.load(words) : [])
                ?? TaskGenerators.control
        }
        if let part = TaskSplits(all, seed: seed).part(split) { return part }
        let (taught, heldOut) = TaskGenerators.split(all, seed: seed)
        return split == "taught" ? taught : split == "held-out" ? heldOut : all
    }
}
