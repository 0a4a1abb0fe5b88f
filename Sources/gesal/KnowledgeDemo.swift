import ArgumentParser
import CommandLineSupport
import Demo
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

/// `gesal demo --system seal`: SEAL's inner loop on invented passages (`KnowledgeDemoRun`).
extension DemoCommand {
    func knowledgeDemoSettings() -> KnowledgeDemoSettings {
        var settings = quick ? KnowledgeDemoSettings.quick(seed: seed) : KnowledgeDemoSettings.full(seed: seed)
        if let passages { settings.passages = passages }
        if let candidates { settings.candidates = candidates }
        if let maxTokens { settings.quizTokens = maxTokens }
        if let rounds { settings.rounds = rounds }
        if let epochs { settings.training.epochs = epochs }
        if let rehearse { settings.rehearse = rehearse }
        if let controlItems { settings.controlItems = controlItems }
        return settings
    }

    func validateKnowledgeDemo() throws {
        let others = gesalOnlyOptions.filter { $0 != "--control-items" } + (items == nil ? [] : ["--items"]) + expertOnlyOptions
        if !others.isEmpty { throw ValidationError("\(others.joined(separator: ", ")): another system's demo, not SEAL's (see gesal demo --help)") }
        do { try knowledgeDemoSettings().validate(naming: optionName) } catch { throw ValidationError(error.message) }
    }

    func runKnowledgeDemo() throws {
        try reportingErrors {
            let settings = knowledgeDemoSettings()
            let words = try WordList.load(words)
            try replaceStore()
            let models = try models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
            let writer = try createStore(at: store)
            let demo = KnowledgeDemoRun(settings: settings, models: models, words: words, writer: writer, prose: try Drift.prose(at: prose))
            printNow("\(settings.passages) invented passages (\(demo.training.count) learned in turn, \(demo.heldOut.count) held out), \(settings.candidates) self-edits each, "
                + "a rank-\(settings.training.rank) LoRA per candidate, a replay buffer of \(settings.rehearse), \(settings.rounds) ReST-EM round(s); store \(store)")
            var bar: ProgressReporter?
            let report = try demo.run { draw($0, on: &bar) }
            bar?.finish()
            try writer.close()
            try publish(report, svg: KnowledgeChart(report: report).svg, table: report.table, seconds: report.seconds,
                        explore: "gesal-log log --store \(store); gesal-log replay --reexecute --store \(store); gesal-log diff main \(KnowledgeDemoRun.rehearsedBranch) --store \(store)")
        }
    }
}
