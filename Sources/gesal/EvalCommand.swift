import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import PostgresLog
import Tasks

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the model, or a store's adapted state, on a task split: accuracy with a 95% interval.",
        discussion: helpText("""
        Tasks: letters ("How many times does the letter r appear in the word
        strawberry?", words from reasoning-gym, balanced over the answers 0, 1, 2,
        3+), arithmetic ("What is 12 + 7?"), control (general-knowledge questions
        the base model answers: the forgetting check), or your own questions with
        --items FILE (family<TAB>question<TAB>answer per line). The checker is
        strict: the first number in the answer, in digits or as a word ("twice"),
        must be the true answer; a text answer ("Paris") must appear as a whole
        phrase. --answers writes each item's answer and verdict. Splits come from a
        seeded hash of each prompt, so taught and held-out items never mix. Every
        accuracy is printed with its Wilson 95% interval, the item count, and the
        majority-answer baseline.

        Without --store the plain model answers; with --store (and --branch) each
        prompt is routed through that branch's graph memory and answered with its
        node's adapter, nothing recorded. --at scores the branch as it was after an
        earlier event (replayed from the nearest snapshot, with that moment's adapters):
        the same numbers `gesal eval` gives on a branch reset to that event.

        With --expert NAME every item is answered by that expert of the store's library
        (items it trained or validated on are left out). With --dispatch the store's
        library is measured on a mixed stream of its experts' tasks' test items: the base
        model, each expert alone, the oracle (each item's own task's expert) and each
        dispatch strategy (embedding, prompt, classifier), with how often each chose the right expert
        (docs/transformer2.md).

        Examples:
          gesal eval --task letters --split held-out --count 40
          gesal eval --task arithmetic --store lab --branch main --json
          gesal eval --task control --store lab --at 120   # after event 120
          gesal eval --items mine.tsv --max-tokens 16 --answers answers.jsonl
          gesal eval --task arithmetic --split test --store lab --expert adder
          gesal eval --store lab --dispatch embedding,prompt
        """))

    @OptionGroup var tasks: TaskOptions

    @Option(help: ArgumentHelp("Score this store's adapted state instead of the plain model.", valueName: "DIR"))
    var store: String?

    @Option(help: "The branch of --store to score.")
    var branch = "main"

    @Option(help: ArgumentHelp("Measure the store's library on its tasks' mixed test stream with these strategies (embedding, prompt, classifier, none), comma-separated.", valueName: "LIST"))
    var dispatch: String?

    @Option(help: "The embedding strategy's least cosine to an expert's centre.")
    var threshold: Float = DispatchSettings.defaultThreshold

    @Option(help: ArgumentHelp("Answer every item with this expert of --store's library (no graph memory); items it trained or validated on are left out.", valueName: "NAME"))
    var expert: String?

    @OptionGroup var models: EngineModelOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Also measure the store's drift: mean per-token KL to the base model on prose, over up to 8 of its adapters.")
    var drift = false

    @Option(help: ArgumentHelp("Write each item's answer and verdict to this file, one JSON object per line.", valueName: "PATH"))
    var answers: String?

    @Option(help: ArgumentHelp("The longest answer, in tokens (default: 24 for the control set, else the store's setting, or 48 for the plain model).", valueName: "N"))
    var maxTokens: Int?

    @Option(help: ArgumentHelp("Score the state as it was after this event: a sequence number, or an ISO 8601 time (the last event at or before it). Replays from the nearest snapshot.", valueName: "SEQ|TIME"))
    var at: String?

    func validate() throws {
        if let maxTokens { try checkOption(Limits.maxTokens, maxTokens, "--max-tokens") }
        if drift, store == nil { throw ValidationError("--drift needs --store: it measures a store's adapters") }
        if let dispatch {
            guard store != nil else { throw ValidationError("--dispatch needs --store: it measures a store's library") }
            for name in dispatch.split(separator: ",") where DispatchStrategy(rawValue: String(name)) == nil {
                throw ValidationError("--dispatch lists \(DispatchStrategy.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
            }
            guard expert == nil, at == nil, !drift else { throw ValidationError("--dispatch measures the whole library: it takes no --expert, --at or --drift") }
            try checkOption(Limits.similarityThreshold, threshold, "--threshold")
        }
        if expert != nil {
            guard store != nil else { throw ValidationError("--expert needs --store: the library is a store's") }
            guard at == nil, !drift else { throw ValidationError("--expert scores the expert alone: it takes neither --at nor --drift") }
        }
        if let at {
            guard store != nil else { throw ValidationError("--at needs --store: it names a point of a store's history") }
            _ = try HistoryPoint(parsing: at, option: "--at")
        }
    }

    func run() throws {
        try reportingErrors {
            if let dispatch, let store { return try DispatchReport.run(store: store, branch: branch, strategies: dispatch, threshold: threshold,
                                                                        maxTokens: maxTokens ?? 16, models: models, words: tasks.words, json: json) }
            var items = try tasks.load()
            let created = try store.flatMap { try Engine.storeCreated(at: $0, branch: branch) }
            if let store, created == nil { throw ValidationError("\(PostgresLocation.redacted(store)) has no GESAL store on branch '\(branch)'") }
            // The history first: a point past the head fails before the models load.
            var state: EngineState?, blobs: (any EventHistory)?, sequence: UInt64?
            if let store {
                let log = try openHistory(store)
                let replay = try HistoryPoint.replay(log, branch: branch, at: at)
                (state, blobs, sequence) = (replay.state, log, replay.sequence)
            }
            let models = try models.loadModels(embedder: created?.embedder ?? "minilm", svfTargets: created?.config.svfTargets ?? EngineConfig().svfTargets,
                                               storage: created?.weightStorage)
            let scoring = ProgressReporter("scoring")
            var evaluator = Evaluator(models: models, state: state, blobs: blobs, maxTokens: maxTokens ?? tasks.answerTokens)
            let plans: [AnswerPlan]
            if let expert, let state, let log = try store.map({ try LogStore(at: $0) }) {
                let (blob, seen) = try ExpertRecords.scoring(expert, in: state, log: log, branch: branch)
                let kept = items.filter { !seen.contains($0.prompt) }
                if kept.count < items.count { writeStandardError("left out \(items.count - kept.count) items expert \(expert) trained or validated on\n") }
                guard !kept.isEmpty else { throw ValidationError("every item is one expert \(expert) trained or validated on: score --split test") }
                items = kept
                plans = items.indices.map { AnswerPlan(interaction: $0, prompt: items[$0].prompt, node: 0, adapter: blob, rejected: []) }
            } else {
                if let store { evaluator = try evaluator.dispatching(log: try LogStore(at: store), branch: branch) }
                plans = items.indices.map { evaluator.plan(for: items[$0].prompt, index: $0) }
            }
            let graded = try evaluator.answers(plans, for: items) { scoring.update($0, $1) }
            scoring.finish()
            let accuracy = Accuracy(correct: graded.filter(\.correct).count, items: items)
            if let answers { try Self.write(graded, for: items, to: answers) }
            let figure = try drift ? Drift.measure(models: models, state: state!, blobs: blobs!, text: Drift.prose(at: SetupFolder.path(Drift.defaultPath))) : nil
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                struct Result: Encodable {
                    var task: String, split: String, seed: UInt64, store: String?, branch: String?, sequence: UInt64?, state: String?, result: Accuracy
                    var drift: DriftFigure?
                }
                let result = Result(task: tasks.name, split: tasks.split, seed: tasks.seed, store: store, branch: store == nil ? nil : branch,
                                    sequence: sequence, state: state?.hash.hex, result: accuracy, drift: figure)
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                let place = store.map { ", store \($0) branch \(branch)" + (at == nil ? "" : " at sequence \(sequence!)") } ?? ", plain model"
                print("\(tasks.name) \(tasks.split) (seed \(tasks.seed)\(place)): \(accuracy.summary)")
                if let figure { print(figure.summary) }
            }
        }
    }

    /// One line per item: {"family", "prompt", "expected", "response", "correct"}.
    static func write(_ graded: [(response: String, correct: Bool)], for items: [TaskItem], to path: String) throws {
        struct Line: Encodable { var family: String, prompt: String, expected: String, response: String, correct: Bool }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = Data()
        for (item, answer) in zip(items, graded) {
            bytes += try encoder.encode(Line(family: item.task, prompt: item.prompt, expected: item.expected, response: answer.response,
                                             correct: answer.correct))
            bytes.append(10)
        }
        try bytes.write(to: URL(fileURLWithPath: path))
    }
}
