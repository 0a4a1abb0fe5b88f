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
        return settings
    }

    func validateKnowledgeDemo() throws {
        let others = gesalOnlyOptions + (items == nil ? [] : ["--items"]) + expertOnlyOptions
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
            printNow("\(settings.passages) invented passages, \(settings.candidates) self-edits each, a rank-\(settings.training.rank) LoRA per candidate; store \(store)")
            var bar: ProgressReporter?
            let report = try KnowledgeDemoRun(settings: settings, models: models, words: words, writer: writer).run { draw($0, on: &bar) }
            bar?.finish()
            try writer.close()
            try publish(report, svg: KnowledgeChart(report: report).svg, table: report.table, seconds: report.seconds,
                        explore: "gesal-log log --store \(store) | gesal-log replay --reexecute --store \(store)")
        }
    }
}
