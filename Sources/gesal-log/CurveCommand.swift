import ArgumentParser
import CommandLineSupport
import Demo
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

struct CurveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "Accuracy along a branch's history: a forgetting curve, as JSON and an SVG chart.",
        discussion: helpText("""
        Replays the branch once and scores the items (as `gesal eval --at` would) on its
        first state, after every --every learning steps, and at its head. --also draws more
        branches on the same chart, for example main against the branch that
        `gesal-log bisect --exclude` made. Answers are shared between points and branches
        whose adapters are the same, so a curve costs little more than its distinct adapters.

        Examples:
          gesal-log curve --control --every 5
          gesal-log curve --task letters --split taught --also main-bisect-87
          gesal-log curve --control --json lab/curve.json --svg lab/curve.svg
        """))

    @OptionGroup var engine: EngineOptions

    @Flag(help: "Score the control questions (the same as --task control).")
    var control = false

    @OptionGroup var tasks: TaskOptions

    @Option(help: ArgumentHelp("Score after every N learning steps.", valueName: "N"))
    var every = 5

    @Option(help: ArgumentHelp("Another branch to draw on the same chart (repeatable).", valueName: "BRANCH"))
    var also: [String] = []

    @Option(help: ArgumentHelp("Where to write the curves as JSON.", valueName: "PATH"))
    var json = "curve.json"

    @Option(help: ArgumentHelp("Where to write the SVG chart.", valueName: "PATH"))
    var svg = "curve.svg"

    func validate() throws {
        guard (1...100_000).contains(every) else { throw ValidationError("--every is a number of learning steps from 1 to 100000, not \(every)") }
        if control, tasks.task != "letters", tasks.task != "control" { throw ValidationError("give --control or --task \(tasks.task), not both") }
    }

    func run() throws {
        try reportingErrors {
            let store = try openHistory(engine.store)
            let branches = [engine.branch] + also
            var created: StoreCreated?
            for branch in branches {
                guard let made = try Engine.storeCreated(at: engine.store, branch: branch) else {
                    throw ValidationError("branch '\(branch)' of \(engine.storeShown) is not a GESAL store (no StoreCreated)")
                }
                if let created, created.modelFingerprint != made.modelFingerprint {
                    throw ValidationError("branch '\(branch)' runs another model than '\(engine.branch)'; draw them separately")
                }
                created = made
            }
            let items = control ? TaskGenerators.control : try tasks.load()
            let name = control ? "control" : "\(tasks.name) \(tasks.split)"
            let models = try engine.models.loadModels(embedder: created!.embedder, svfTargets: created!.config.svfTargets,
                                                      storage: created!.weightStorage)
            let cache = GenerationCache()
            var curves: [AccuracyCurve] = []
            for branch in branches {
                let progress = ProgressReporter("scoring \(branch)")
                let curve = try AccuracyCurve.measure(store: store, branch: branch, items: items, every: every, models: models,
                                                      maxTokens: control ? TaskGenerators.controlAnswerTokens : tasks.answerTokens, cache: cache) {
                    progress.update($0, $1)
                }
                progress.finish()
                for point in curve.points {
                    print("\(branch) step \(point.learningSteps) (event \(point.sequence)): \(point.accuracy.summary)")
                }
                curves.append(curve)
            }
            struct Output: Encodable { var items: String, count: Int, every: Int, curves: [AccuracyCurve] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try encoder.encode(Output(items: name, count: items.count, every: every, curves: curves)).write(to: URL(fileURLWithPath: json))
            try Data(CurveChart(curves: curves, title: "\(name) accuracy along the history of \(branches.joined(separator: ", "))").svg.utf8)
                .write(to: URL(fileURLWithPath: svg))
            print("json=\(json)")
            print("svg=\(svg)")
        }
    }
}
