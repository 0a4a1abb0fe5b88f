import ArgumentParser
import Tasks

/// `--task`, `--items`, `--split`, `--count`, `--seed` and `--words`: which evaluation items a
/// verb scores (gesal eval, gesal-log bisect --task, gesal-log curve).
public struct TaskOptions: ParsableArguments {
    public init() {}

    public static let tasks = ["letters", "arithmetic", "control"]

    @Option(help: "letters, arithmetic or control.")
    public var task = "letters"

    @Option(help: "taught, held-out or all.")
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
        guard Self.tasks.contains(task) else { throw ValidationError("--task is letters, arithmetic or control, not '\(task)'") }
        guard ["taught", "held-out", "all"].contains(split) else { throw ValidationError("--split is taught, held-out or all, not '\(split)'") }
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
            switch task {
            case "letters": all = TaskGenerators.letterCounting(words: try WordList.load(words), count: count, seed: seed)
            case "arithmetic": all = TaskGenerators.arithmetic(count: count, seed: seed)
            default: all = TaskGenerators.control
            }
        }
        let (taught, heldOut) = TaskGenerators.split(all, seed: seed)
        return split == "taught" ? taught : split == "held-out" ? heldOut : all
    }
}
