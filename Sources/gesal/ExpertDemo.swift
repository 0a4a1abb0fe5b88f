import ArgumentParser
import CommandLineSupport
import Demo
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// `gesal demo --system transformer2`: Transformer²'s library on a fresh store (`ExpertDemoRun`).
extension DemoCommand {
    /// The options only GESAL's and SAGE's demo use, by name, when given.
    var gesalOnlyOptions: [String] {
        [("--passes", passes != nil), ("--attempts", attempts != nil), ("--learning-rate", learningRate != nil),
         ("--similarity-threshold", similarityThreshold != nil), ("--optimizer", optimizer != nil), ("--negative-weight", negativeWeight != nil),
         ("--update-steps", updateSteps != nil), ("--kl-weight", klWeight != nil), ("--correction-weight", correctionWeight != nil),
         ("--control-items", controlItems != nil), ("--corrections", corrections), ("--sweep-threshold", sweepThreshold != nil)].filter(\.1).map(\.0)
    }

    /// The options only Transformer²'s demo uses, by name, when given.
    var expertOnlyOptions: [String] {
        [("--steps", steps != nil), ("--generations", generations != nil), ("--population", population != nil), ("--shots", shots != nil)].filter(\.1).map(\.0)
    }

    /// The options only SEAL's demo uses, by name, when given.
    var sealOnlyOptions: [String] {
        [("--passages", passages != nil), ("--candidates", candidates != nil), ("--epochs", epochs != nil), ("--rounds", rounds != nil), ("--rehearse", rehearse != nil)].filter(\.1).map(\.0)
    }

    func expertDemoSettings() -> ExpertDemoSettings {
        var settings = quick ? ExpertDemoSettings.quick(seed: seed) : ExpertDemoSettings.full(seed: seed)
        if let items { (settings.expert.items, settings.mix.items) = (items, items) }
        if let steps { (settings.expert.steps, settings.classifierSteps) = (steps, steps) }
        if let maxTokens { (settings.expert.maxTokens, settings.mix.maxTokens) = (maxTokens, maxTokens) }
        if let generations { settings.mix.generations = generations }
        if let population { (settings.mix.population, settings.mix.elites) = (population, min(settings.mix.elites, population)) }
        if let shots { settings.mix.shots = shots }
        settings.expert.validateEvery = min(settings.expert.validateEvery, settings.expert.steps)
        return settings
    }

    func validateExpertDemo() throws {
        if !gesalOnlyOptions.isEmpty {
            throw ValidationError("\(gesalOnlyOptions.joined(separator: ", ")): GESAL's and SAGE's demo, not Transformer²'s (see gesal demo --help)")
        }
        if !sealOnlyOptions.isEmpty { throw ValidationError("\(sealOnlyOptions.joined(separator: ", ")): SEAL's demo, not Transformer²'s (see gesal demo --help)") }
        do { try expertDemoSettings().validate(naming: optionName) } catch { throw ValidationError(error.message) }
    }

    func runExpertDemo() throws {
        try reportingErrors {
            let settings = expertDemoSettings()
            let words = try WordList.load(words)
            // Too few items for the shots fails here, before the store is replaced or a model loads.
            _ = try ExpertMixing.shots(settings.mixSettings(.expert), words: { words })
            try replaceStore()
            let models = try models.loadModels(embedder: "minilm", svfTargets: settings.config.svfTargets)
            let writer = try createStore(at: store)
            printNow("library: \(settings.tasks.map { "\(ExpertDemoSettings.expertName($0)) (\($0))" }.joined(separator: ", ")) and the classifier; "
                + "each trained \(settings.expert.steps) × \(settings.expert.batch) prompts, \(settings.expert.items) items a task; "
                + "unseen: \(settings.unseen); store \(store)")
            var bar: ProgressReporter?
            let report = try ExpertDemoRun(settings: settings, models: models, words: words, writer: writer).run { draw($0, on: &bar) }
            bar?.finish()
            try writer.close()
            try publish(report, svg: MixChart(report: report).svg, table: report.table, seconds: report.seconds,
                        explore: "gesal expert list --store \(store) | gesal-log audit expert adder --store \(store) | gesal-log replay --reexecute --store \(store)")
        }
    }
}
