import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL
import Tasks

struct ExpertAdaptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Mix the library's experts for a task from a few examples (Transformer²'s few-shot CEM).",
        discussion: helpText("""
        A cross-entropy-method search for weights α (one per expert, in [0, 1]) that mix the
        experts' SVF vectors, z' = Σ αₖ zₖ; with --per-matrix, one per expert and matrix
        (90 matrices on SmolLM2: a far larger space for the same shots). Each generation draws --population α, scores
        each mix on the --shots examples (the first of the task's training part: right
        answers, ties broken by the true answers' likelihood), and fits the next draw to the
        best --elites. The best mix of all generations joins the library as a new expert,
        recorded with every generation's mean, spread and best fitness (ExpertMixed).
        Transformer²'s settings are --population 32 --elites 6 --generations 50; the defaults
        are smaller, since each candidate merges the weights once (about 2 s here).

        Examples:
          gesal expert adapt minus --task subtraction --shots 10
          gesal expert adapt minus2 --task subtraction --experts adder,times --generations 4
          gesal expert adapt minus3 --task subtraction --per-matrix
          gesal eval --task subtraction --split test --expert minus --store lab
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The new expert's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: "arithmetic, subtraction, multiplication, letters or wordlength.")
    var task: String

    @Option(help: "Examples of the task the search scores on.")
    var shots = 10

    @Option(help: ArgumentHelp("The experts to mix, comma-separated (default: the library's active trained experts).", valueName: "NAMES"))
    var experts: String?

    @Option(help: "Candidates per generation.")
    var population = 16

    @Option(help: "The best candidates each generation keeps to fit the next.")
    var elites = 4

    @Option(help: "Generations.")
    var generations = 8

    @Option(help: "The first generation's spread of α around 1/K.")
    var initialSpread: Float = 0.5

    @Option(help: "Items generated before the split (the shots come from its training part).")
    var items = 300

    @Option(help: "Seed for generating and splitting the items.")
    var itemSeed: UInt64 = 1

    @Option(help: "The longest answer, in tokens, when answering the shots.")
    var maxTokens = 16

    @Option(help: "Seed of the search's draws.")
    var seed: UInt64 = 1

    @Flag(help: "One α per expert and matrix, instead of one per expert.")
    var perMatrix = false

    @Option(help: ArgumentHelp("The word list for letters and wordlength.", valueName: "PATH"))
    var words = SetupFolder.path(WordList.defaultPath)

    var settings: MixSettings {
        MixSettings(task: task, items: items, itemSeed: itemSeed, shots: shots, population: population, elites: elites, generations: generations,
                    initialSpread: initialSpread, maxTokens: maxTokens, seed: seed, granularity: perMatrix ? .matrix : .expert)
    }

    func validate() throws {
        guard TaskGenerators.families.contains(task) else {
            throw ValidationError("--task is one of \(TaskGenerators.families.joined(separator: ", ")), not '\(task)'")
        }
        do {
            try checkExpertName(name)
            try settings.validate(naming: optionName)
        } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        try reportingErrors {
            // A taken name or an unknown expert fails on the replayed log, before any model loads.
            guard try Engine.storeCreated(at: engine.store, branch: engine.branch) != nil else {
                throw ValidationError("no GESAL history on branch '\(engine.branch)' of \(engine.storeShown): train experts first (gesal expert train)")
            }
            let state = try replayedState(store: engine.store, branch: engine.branch)
            try state.checkFreeExpertName(name)
            let names = experts.map { $0.split(separator: ",").map(String.init) }
            for expert in names ?? [] { _ = try state.active(expert: expert, branch: engine.branch) }
            let opened = try engine.openEngine(create: false)
            let start = Date()
            var bar = ProgressBar("mixing \(name)", total: generations)
            let mixed = try opened.adaptExpert(name: name, settings: settings, experts: names, words: { try WordList.load(words) }) { done, _ in bar.update(done) }
            bar.finish()
            MixTable(mixed).lines.forEach { print($0) }
            writeStandardError("[expert \(name) · \(mixed.shots.count) shots · \(Int(Date().timeIntervalSince(start))) s]  "
                + "score it: gesal eval --task \(task) --split test --expert \(name)\n")
        }
    }
}
