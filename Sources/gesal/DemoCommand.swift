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
        abstract: "Watch GESAL (or SAGE) learn from feedback, get poisoned, and be rolled back; or Transformer²'s library of experts.",
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

        With --corrections the checker also says what the right answer was with each
        -2 (as `gesal feedback N - --correct TEXT` does), and the stream is GESAL's
        protocol: five rounds, each asking every taught item once, so no item gets more
        than five feedbacks. --sweep-threshold runs that corrected demo once per
        similarity threshold, each on its own store, and writes one table, JSON and
        chart of accuracy against the threshold (docs/evaluation.md).

        --system sage runs SAGE's demo instead (docs/sage.md): four task families
        (addition, subtraction, one-digit multiplication, letter counting) interleaved,
        one ask per taught item, the checker correcting every wrong answer. The trigger
        fires on each, the buffer clusters their prompts, and each cluster with enough
        corrections gets a LoRA search; held-out items of the same families, never in the
        stream, are answered with the pool's adapter when they fall within a cluster's
        reach. GESAL's nodes do not learn here, so what moves held-out accuracy is the pool
        alone. Held-out accuracy is reported per family with its baseline; the control set
        and the drift figure measure forgetting; the poison is a burst of wrong corrections
        on fresh items, rolled back.

        --system transformer2 runs Transformer²'s demo instead (docs/transformer2.md): an
        SVF expert trained by REINFORCE per task (sums, letter counting, products, word
        lengths; --quick: sums and word lengths), then the classifier; the base model,
        each expert, the oracle and each dispatch strategy (embedding, prompt, classifier)
        on a mixed stream of the tasks' test items, never trained or validated on; then
        few-shot CEM on subtraction, which no expert saw, per expert and per matrix, scored
        on subtraction's test items against the base model and every single expert. Each
        accuracy has its Wilson 95% interval, item count and majority baseline; the chart
        is CEM's shot accuracy by generation.

        --system seal runs SEAL's demo instead (docs/seal.md): invented passages (40, or 16
        with --quick), split by title. The training part is learned one after another with
        `gesal learn`, every passage so far quizzed without its text after each (the
        forgetting curve, charted), then again on the branch `rehearse` with a replay
        buffer (the countermeasure); then ReST-EM trains the self-edit writer (--rounds).
        The held-out part is never learned by the store: each passage is learned alone,
        by the passage, and with one edit of the base model and of each round's writer,
        nothing chosen, and quizzed. Control set and drift for the knowledge adapters.

        The store folder is replaced on every run, but only if the demo made it.
        The same seed gives the same results, apart from the fields named `seconds`.

        Examples:
          gesal demo --quick                        about seven minutes
          gesal demo                                the full run, 9 to 11 minutes
          gesal demo --quick --json out.json    results to out.json, chart to out.svg
          gesal demo --corrections                  learning from corrections
          gesal demo --system sage --quick          SAGE's demo, under five minutes
          gesal demo --system sage                  the full SAGE run, about 33 minutes
          gesal demo --quick --sweep-threshold 0.5,0.7,0.9 --json sweep.json
          gesal demo --system transformer2 --quick  Transformer²'s, 28 minutes here
          gesal demo --system transformer2          the full run, 61 minutes here
          gesal expert list --store .gesal-demo     then read the library
          gesal demo --system seal --quick          SEAL's, on 16 invented passages
          gesal-log log --store .gesal-demo         then read what happened
          gesal-log diff main without-poison --store .gesal-demo
        """))

    @Flag(help: "The short run (fewer items and passes).")
    var quick = false

    @Option(help: "Which system learns: gesal (node SVF adapters), sage (the buffer's clusters and the LoRA pool), transformer2 (a library of experts) or seal (passages absorbed by self-edits).")
    var system = "gesal"

    @Flag(help: "The checker says the right answer with every -2; five rounds of one ask per taught item (GESAL's protocol).")
    var corrections = false

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

    @Option(help: ArgumentHelp("The prose the drift figure is measured on.", valueName: "PATH"))
    var prose = SetupFolder.path(Drift.defaultPath)

    @Option(help: "Override the mode's item count (per task family with --system sage or transformer2), before the taught / held-out split.")
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

    @Option(help: "Override the demo's KL penalty weight towards the base model.")
    var klWeight: Float?

    @Option(help: "Override the weight of a correction's supervised term (0: corrections are memory only).")
    var correctionWeight: Float?

    @Option(help: ArgumentHelp("Score this many of the control questions, spread over their families (default: all).", valueName: "N"))
    var controlItems: Int?

    @Option(help: ArgumentHelp("Run the corrected demo once per similarity threshold (implies --corrections); each gets its own store under --store.", valueName: "T,T,..."))
    var sweepThreshold: String?

    /// The thresholds of --sweep-threshold, nil without it.
    var sweepThresholds: [Float]? {
        sweepThreshold.map { $0.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) } }
    }

    @Option(help: "transformer2: override the experts' and the classifier's training steps.")
    var steps: Int?

    @Option(help: "transformer2: override the CEM searches' generations.")
    var generations: Int?

    @Option(help: "transformer2: override the CEM searches' candidates per generation (the elites shrink to fit).")
    var population: Int?

    @Option(help: "transformer2: override the CEM searches' shots of the unseen task.")
    var shots: Int?

    @Option(help: "seal: override the fictional passages learned in turn.")
    var passages: Int?

    @Option(help: "seal: override the self-edits sampled per passage.")
    var candidates: Int?

    @Option(help: "seal: override the passes over each candidate's sequences.")
    var epochs: Int?

    @Option(help: "seal: override ReST-EM's rounds (0: none).")
    var rounds: Int?

    @Option(help: "seal: override the replay buffer (earlier passages rehearsed) of the countermeasure's branch.")
    var rehearse: Int?

    @OptionGroup var models: EngineModelOptions

    /// A file the demo writes into its store, so that it replaces only stores it made.
    static let marker = "DEMO"

    func validate() throws {
        guard ["gesal", "sage", "transformer2", "seal"].contains(system) else { throw ValidationError("--system is gesal, sage, transformer2 or seal, not '\(system)'") }
        if system == "transformer2" { return try validateExpertDemo() }
        if system == "seal" { return try validateKnowledgeDemo() }
        if !sealOnlyOptions.isEmpty {
            throw ValidationError("--passages, --candidates, --epochs, --rounds and --rehearse are SEAL's demo (--system seal)")
        }
        if !expertOnlyOptions.isEmpty {
            throw ValidationError("--steps, --generations, --population and --shots are Transformer²'s demo (--system transformer2)")
        }
        if system == "sage", corrections || sweepThreshold != nil {
            throw ValidationError("--corrections and --sweep-threshold are GESAL's demo; SAGE's always corrects, at its own settings")
        }
        if let items, items < 4 { throw ValidationError("--items must be at least 4 (one per answer bucket)") }
        if let passes, passes < 1 { throw ValidationError("--passes must be at least 1") }
        if let attempts, attempts < 1 { throw ValidationError("--attempts must be at least 1") }
        if let controlItems, controlItems < 1 { throw ValidationError("--control-items must be at least 1") }
        if let sweepThreshold {
            let values = sweepThreshold.split(separator: ",", omittingEmptySubsequences: false)
            guard let thresholds = sweepThresholds, !values.isEmpty, thresholds.count == values.count else {
                throw ValidationError("--sweep-threshold takes numbers separated by commas (0.5,0.7,0.9), not '\(sweepThreshold)'")
            }
            for threshold in thresholds { try checkOption(Limits.similarityThreshold, threshold, "--sweep-threshold") }
            guard Set(thresholds).count == thresholds.count else { throw ValidationError("--sweep-threshold names a threshold twice") }
        }
        try settings().config.validateOptions()
    }

    func settings() -> DemoSettings {
        var settings = system == "sage" ? DemoSettings.sage(quick: quick, seed: seed) : quick ? DemoSettings.quick(seed: seed) : DemoSettings.full(seed: seed)
        if corrections || sweepThreshold != nil { settings = settings.corrected() }
        if let items { settings.items = items }
        if let passes { settings.passes = passes }
        if let attempts { settings.attempts = attempts }
        if let learningRate { settings.config.learningRate = learningRate }
        if let similarityThreshold { settings.config.similarityThreshold = similarityThreshold }
        if let maxTokens { settings.config.maxTokens = maxTokens }
        if let optimizer { settings.config.optimizer = optimizer }
        if let negativeWeight { settings.config.negativeWeight = negativeWeight }
        if let updateSteps { settings.config.updateSteps = updateSteps }
        if let klWeight { settings.config.klWeight = klWeight }
        if let controlItems { settings.controlItems = controlItems }
        if let correctionWeight { settings.config.correctionWeight = correctionWeight }
        return settings
    }

    func run() throws {
        if system == "transformer2" { return try runExpertDemo() }
        if system == "seal" { return try runKnowledgeDemo() }
        try reportingErrors {
            let settings = settings()
            let words = try WordList.load(words)
            try replaceStore()
            let models = try models.loadModels(embedder: "minilm", svfTargets: settings.config.svfTargets)
            guard let thresholds = sweepThresholds else {
                let report = try runDemo(settings, store: store, models: models, words: words)
                try Data(try report.json()).write(to: URL(fileURLWithPath: json))
                try Data(AccuracyChart(report: report).svg.utf8).write(to: URL(fileURLWithPath: chartPath))
                printNow("")
                printNow(report.table)
                if let drift = report.drift { printNow(drift.summary) }
                report.trigger?.lines.forEach(printNow)
                report.clusters?.lines.forEach(printNow)
                report.pool?.lines.forEach(printNow)
                printNow("")
                let rollback = report.rollback
                printNow("rollback: \(rollback.excluded.count) poisoned interactions excluded into branch '\(rollback.branch)'; state "
                    + "\(rollback.stateHash.prefix(16)) \(rollback.matchesBeforePoison ? "equals" : "DIFFERS FROM") the state before the poison")
                printNow(String(format: "results: %@ and %@ (%.0f s)", json, chartPath, report.seconds))
                printNow("explore: gesal-log log --store \(store) | gesal-log diff main \(rollback.branch) --store \(store)")
                return
            }
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            var sweep = ThresholdSweep(points: [])
            let cache = GenerationCache()
            for threshold in thresholds {
                var point = settings
                point.config.similarityThreshold = threshold
                let folder = store + "/" + Self.sweepFolder(threshold)
                printNow("threshold \(threshold): store \(folder)")
                let report = try runDemo(point, store: folder, models: models, words: words, cache: cache)
                let nodes = try Replay.run(try LogStore(at: folder), branch: "main").state.nodes.count
                sweep.points.append(ThresholdSweep.Point(threshold: threshold, nodes: nodes, report: report))
                // Written after every threshold, so an interrupted sweep keeps what it measured.
                try Data(try sweep.json()).write(to: URL(fileURLWithPath: json))
                try Data(SweepChart(sweep: sweep).svg.utf8).write(to: URL(fileURLWithPath: chartPath))
            }
            printNow("")
            printNow(sweep.table)
            printNow("")
            printNow("results: \(json) and \(chartPath); each threshold's store is under \(store)/")
        }
    }

    /// The folder of one threshold's store inside the sweep's store folder.
    static func sweepFolder(_ threshold: Float) -> String { String(format: "threshold-%.2f", threshold) }

    /// Runs the demo on a new store at `path`, printing a progress bar per phase and a line per score.
    func runDemo(_ settings: DemoSettings, store path: String, models: EngineModels, words: [String],
                 cache: GenerationCache = GenerationCache()) throws -> DemoReport {
        let writer = try createStore(at: path)
        let demo = DemoRun(settings: settings, models: models, words: words, writer: writer, prose: try Drift.prose(at: prose), cache: cache)
        printNow("\((settings.families ?? ["letter counting"]).joined(separator: ", ")): \(demo.taught.count) taught items, \(demo.heldOut.count) held-out, "
            + "\(demo.control.count) control\(demo.poison.isEmpty ? "" : ", \(demo.poison.count) fresh items for the poison"); "
            + "\(settings.passes) feedback \(settings.corrections ? "rounds with corrections" : "passes"); \(settings.system); store \(path)")
        var bar: ProgressReporter?
        let report = try demo.run { draw($0, on: &bar) }
        try writer.close()
        return report
    }

    /// Draws one event of a running demo: a progress bar per phase, a line per score or result.
    func draw(_ event: DemoProgress, on bar: inout ProgressReporter?) {
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
        case .line(let text):
            bar?.finish()
            bar = nil
            printNow(text)
        }
    }

    func percent(_ a: Accuracy?) -> String {
        a.map { String(format: "%5.1f%%", $0.accuracy * 100) } ?? "    - "
    }

    /// Where the SVG chart goes: --chart, or the JSON's path with .svg.
    var chartPath: String { chart ?? (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".svg" }

    /// A new store at `path`, the demo's folder marked as made by it (so a later run may replace it).
    func createStore(at path: String) throws -> LogWriter {
        let writer = try LogWriter.create(at: path)
        try Data().write(to: URL(fileURLWithPath: store).appendingPathComponent(Self.marker))
        return writer
    }

    /// Writes a finished demo's JSON and chart, then prints its table, where they went and what
    /// to run next.
    func publish(_ report: some DemoResults, svg: String, table: String, seconds: Double, explore: String) throws {
        try Data(try report.json()).write(to: URL(fileURLWithPath: json))
        try Data(svg.utf8).write(to: URL(fileURLWithPath: chartPath))
        printNow("")
        printNow(table)
        printNow("")
        printNow(String(format: "results: %@ and %@ (%.0f s)", json, chartPath, seconds))
        printNow("explore: " + explore)
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
