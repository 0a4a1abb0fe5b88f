import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import PostgresLog
import Tasks

/// `gesal eval --dispatch`: the library's comparison (`DispatchEvaluation`) as a table or JSON.
enum DispatchReport {
    static func run(store: String, branch: String, strategies: String, threshold: Float, maxTokens: Int, models options: EngineModelOptions,
                    words: String, json: Bool) throws {
        guard let created = try Engine.storeCreated(at: store, branch: branch) else { throw EngineError(.invalidRequest, "\(PostgresLocation.redacted(store)) has no GESAL store on branch '\(branch)'") }
        let log = try openHistory(store)
        let state = try Replay.run(log, branch: branch).state
        let experts = try ExpertRecords.active(in: log, branch: branch, state: state)
        guard !experts.isEmpty else { throw EngineError(.invalidRequest, "branch '\(branch)' of \(PostgresLocation.redacted(store)) has no active trained expert (gesal expert train NAME --task T)") }
        let models = try options.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets, storage: created.weightStorage)
        let dispatcher = try Dispatcher(trained: experts, models: models, threshold: threshold, blob: { try log.blob(hex: $0) })
        let progress = ProgressReporter("scoring")
        let report = try DispatchEvaluation.run(experts: experts, dispatcher: dispatcher, strategies: strategies.split(separator: ",").compactMap { DispatchStrategy(rawValue: String($0)) },
                                                blobs: log, maxTokens: maxTokens, words: { try WordList.load(words) }) { progress.update($0, $1) }
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("mixed test stream: \(report.items.count) items of \(report.tasks.joined(separator: ", ")) (each task's test part, never trained or validated on)")
        print("row\taccuracy\tchose the item's own expert\t" + report.tasks.joined(separator: "\t"))
        for row in report.rows {
            let classification = row.classification.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            let tasks = report.tasks.map { row.byTask[$0].map { String(format: "%.1f%%", $0.accuracy * 100) } ?? "-" }
            print("\(row.name)\t\(row.result.summary)\t\(classification)\t" + tasks.joined(separator: "\t"))
        }
    }
}
