import ArgumentParser
import CommandLineSupport
import Demo
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch GESAL learn letter counting from feedback, get poisoned, and be rolled back.",
        discussion: helpText("""
        On a fresh store and the default model (SmolLM2-135M), the demo:
          1. scores taught items, held-out items and a fixed control set (the baseline);
          2. streams feedback on the taught items, the checker playing the user
             (+1 for a right answer, -2 for a wrong one), scoring after every pass:
             a wrong answer joins its node's rejected answers and the item is asked
             again (up to 4 times a pass); a right one is learned into the node's
             SVF adapter;
          3. gives a burst of poisoned feedback (wrong answers rewarded), and scores;
          4. runs `rollback --exclude` on the poisoned interactions, and scores the new
             branch: every accuracy, and the state hash, equal the pre-poison ones.
        Each accuracy comes with its Wilson 95% interval, its item count and the
        majority-answer baseline. The results are written as JSON and an SVG chart of
        accuracy against feedback count; the store stays for `gesal-log` to explore.

        The store folder is replaced on every run, but only if the demo made it.
        The same seed gives the same results, apart from the fields named `seconds`.

        Examples:
          gesal demo --quick                        under three minutes
          gesal demo                                the full run, about 13 minutes
          gesal demo --quick --json out.json    results to out.json, chart to out.svg
          gesal-log log --store .gesal-demo         then read what happened
          gesal-log diff main without-poison --store .gesal-demo
        """))

    @Flag(help: "The short run (fewer items and passes).")
    var quick = false

    @Option(help: "Seed for the items, the split and the store.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The demo's store; replaced on each run, only if a demo made it.", valueName: "DIR"))
    var store = ".gesal-demo"

    @Option(help: ArgumentHelp("Where the JSON results go.", valueName: "PATH"))
    var json = "demo.json"

    @Option(help: ArgumentHelp("Where the SVG chart goes (default: the JSON's path with .svg).", valueName: "PATH"))
    var chart: String?

    @Option(help: ArgumentHelp("The word list for the letter-counting items.", valueName: "PATH"))
    var words = SetupFolder.path(WordList.defaultPath)

    @Option(help: "Override the mode's letter-counting item count (before the taught / held-out split).")
    var items: Int?

    @Option(help: "Override the mode's number of feedback passes over the taught items.")
    var passes: Int?

    @Option(help: "Override how often a taught item is asked again after a wrong answer, per pass (1: no retries).")
    var attempts: Int?

    @Option(help: "Override the demo's SVF learning rate.")
    var learningRate: Float?

    @Option(help: "Override the demo's similarity threshold for new nodes.")
    var similarityThreshold: Float?

    @Option(help: "Override the demo's optimiser (adam or sgd).")
    var optimizer: String?

    @Option(help: "Override the demo's weight of negative feedback's gradient (0: memory only).")
    var negativeWeight: Float?

    @Option(help: "Override the demo's optimiser steps per learning step.")
    var updateSteps: Int?

    @Option(help: "Override the demo's answer length, in tokens.")
    var maxTokens: Int?

    @OptionGroup var models: EngineModelOptions

    /// A file the demo writes into its store, so that it replaces only stores it made.
    static let marker = "DEMO"

    func validate() throws {
        if let items, items < 4 { throw ValidationError("--items must be at least 4 (one per answer bucket)") }
        if let passes, passes < 1 { throw ValidationError("--passes must be at least 1") }
        if let attempts, attempts < 1 { throw ValidationError("--attempts must be at least 1") }
        try settings().config.validateOptions()
    }

    func settings() -> DemoSettings {
        var settings = quick ? DemoSettings.quick(seed: seed) : DemoSettings.full(seed: seed)
        if let items { settings.items = items }
        if let passes { settings.passes = passes }
        if let attempts { settings.attempts = attempts }
        if let learningRate { settings.config.learningRate = learningRate }
        if let similarityThreshold { settings.config.similarityThreshold = similarityThreshold }
        if let maxTokens { settings.config.maxTokens = maxTokens }
        if let optimizer { settings.config.optimizer = optimizer }
        if let negativeWeight { settings.config.negativeWeight = negativeWeight }
        if let updateSteps { settings.config.updateSteps = updateSteps }
        return settings
    }

    func run() throws {
        try reportingErrors {
            let settings = settings()
            let words = try WordList.load(words)
            try replaceStore()
            let models = try models.loadModels(embedder: "minilm", svfTargets: settings.config.svfTargets)
            let writer = try LogWriter.create(at: store)
            try Data().write(to: URL(fileURLWithPath: store).appendingPathComponent(Self.marker))
            let demo = DemoRun(settings: settings, models: models, words: words, writer: writer)
            printNow("letter counting: \(demo.taught.count) taught items, \(demo.heldOut.count) held-out, \(demo.control.count) control; "
                + "\(settings.passes) feedback passes; store \(store)")
            var bar: ProgressReporter?
            let report = try demo.run { event in
                switch event {
                case .phase(let name):
                    bar?.finish()
                    bar = ProgressReporter(name)
                case .step(let done, let total):
                    bar?.update(done, total)
                case .scored(let point):
                    bar?.finish()
                    bar = nil
                    printNow(String(format: "%-16@ feedback %3d  taught %@  held-out %@  control %@  (%.0f s)", point.phase, point.feedback,
                                 percent(point.scores.taught), percent(point.scores.heldOut), percent(point.scores.control), point.seconds))
                }
            }
            try writer.close()
            let chartPath = chart ?? (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".svg"
            try Data(try report.json()).write(to: URL(fileURLWithPath: json))
            try Data(AccuracyChart(report: report).svg.utf8).write(to: URL(fileURLWithPath: chartPath))
            printNow("")
            printNow(report.table)
            printNow("")
            let rollback = report.rollback
            printNow("rollback: \(rollback.excluded.count) poisoned interactions excluded into branch '\(rollback.branch)'; state "
                + "\(rollback.stateHash.prefix(16)) \(rollback.matchesBeforePoison ? "equals" : "DIFFERS FROM") the state before the poison")
            printNow(String(format: "results: %@ and %@ (%.0f s)", json, chartPath, report.seconds))
            printNow("explore: gesal-log log --store \(store) | gesal-log diff main \(rollback.branch) --store \(store)")
        }
    }

    func percent(_ a: Accuracy?) -> String {
        a.map { String(format: "%5.1f%%", $0.accuracy * 100) } ?? "    - "
    }

    /// Removes the store folder if a previous demo made it; refuses to touch anything else.
    func replaceStore() throws {
        let files = FileManager.default
        guard files.fileExists(atPath: store) else { return }
        guard files.fileExists(atPath: URL(fileURLWithPath: store).appendingPathComponent(Self.marker).path) else {
            throw ValidationError("\(store) exists and was not made by `gesal demo`; pass another --store (the demo replaces its store on every run)")
        }
        try files.removeItem(atPath: store)
    }
}
