import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the model, or a store's adapted state, on a task split: accuracy with a 95% interval.",
        discussion: helpText("""
        Tasks: letters ("How many times does the letter r appear in the word
        strawberry?", words from reasoning-gym, balanced over the answers 0, 1, 2,
        3+), arithmetic ("What is 12 + 7?"), control (fixed general-knowledge
        questions). The checker is strict: the first number in the answer, in
        digits or as a word ("twice"), must be the true answer. Splits come from a
        seeded hash of each prompt, so taught and held-out items never mix. Every
        accuracy is printed with its Wilson 95% interval, the item count, and the
        majority-answer baseline.

        Without --store the plain model answers; with --store (and --branch) each
        prompt is routed through that branch's graph memory and answered with its
        node's adapter, nothing recorded.

        Examples:
          gesal eval --task letters --split held-out --count 40
          gesal eval --task arithmetic --store lab --branch main --json
        """))

    @Option(help: "letters, arithmetic or control.")
    var task = "letters"

    @Option(help: "taught, held-out or all.")
    var split = "all"

    @Option(help: "Items generated before the split (control always has 20).")
    var count = 40

    @Option(help: "Seed for generating and splitting the items.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The word list for letters.", valueName: "PATH"))
    var words = SetupFolder.path(WordList.defaultPath)

    @Option(help: ArgumentHelp("Score this store's adapted state instead of the plain model.", valueName: "DIR"))
    var store: String?

    @Option(help: "The branch of --store to score.")
    var branch = "main"

    @OptionGroup var models: EngineModelOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard ["letters", "arithmetic", "control"].contains(task) else { throw ValidationError("--task is letters, arithmetic or control, not '\(task)'") }
        guard ["taught", "held-out", "all"].contains(split) else { throw ValidationError("--split is taught, held-out or all, not '\(split)'") }
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func items() throws -> [TaskItem] {
        let all: [TaskItem]
        switch task {
        case "letters":
            all = TaskGenerators.letterCounting(words: try WordList.load(words), count: count, seed: seed)
        case "arithmetic": all = TaskGenerators.arithmetic(count: count, seed: seed)
        default: all = TaskGenerators.control
        }
        let (taught, heldOut) = TaskGenerators.split(all, seed: seed)
        return split == "taught" ? taught : split == "held-out" ? heldOut : all
    }

    func run() throws {
        try reportingErrors {
            let items = try items()
            let created = try store.flatMap { try Engine.storeCreated(at: $0, branch: branch) }
            if let store, created == nil { throw ValidationError("\(store) has no GESAL store on branch '\(branch)'") }
            let models = try models.loadModels(embedder: created?.embedder ?? "minilm", svfTargets: created?.config.svfTargets ?? EngineConfig().svfTargets)
            var state: EngineState?, blobs: BlobStore?
            if let store {
                let log = try LogStore(at: store)
                state = try Replay.run(log, branch: branch).state
                blobs = log.blobs
            }
            let scoring = ProgressReporter("scoring")
            let accuracy = try Evaluator(models: models, state: state, blobs: blobs).accuracy(items) { scoring.update($0, $1) }
            scoring.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                struct Result: Encodable { var task: String, split: String, seed: UInt64, store: String?, branch: String?, state: String?, result: Accuracy }
                let result = Result(task: task, split: split, seed: seed, store: store, branch: store == nil ? nil : branch, state: state?.hash.hex, result: accuracy)
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print("\(task) \(split) (seed \(seed)\(store.map { ", store \($0) branch \(branch)" } ?? ", plain model")): \(accuracy.summary)")
            }
        }
    }
}
