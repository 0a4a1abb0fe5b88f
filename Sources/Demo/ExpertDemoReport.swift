import Engine
import Foundation
import GESAL
import Tasks

/// The results of `gesal demo --system transformer2`: what `--json` writes. Everything except
/// the `seconds` fields is a function of the settings, the model files and the thread count.
public struct ExpertDemoReport: Sendable, Codable, DemoResults {
    /// One trained expert: its validation curve and the checkpoint kept.
    public struct Trained: Sendable, Codable, Equatable {
        public var name: String
        public var task: String
        public var trainingItems: Int
        public var validationItems: Int
        /// Validation accuracy by step (step 0 is the base model).
        public var curve: [Point]
        public var keptStep: Int
        public var seconds: Double

        public struct Point: Sendable, Codable, Equatable {
            public var step: Int
            public var accuracy: Float
        }
    }

    /// One CEM search on the unseen task.
    public struct Mix: Sendable, Codable {
        public var name: String
        public var granularity: MixSettings.Granularity
        public var experts: [String]
        /// Each generation's best and mean shot accuracy.
        public var best: [Float]
        public var mean: [Float]
        /// Each expert's kept weight (per matrix, its mean over the matrices), and the kept
        /// candidate's shot accuracy.
        public var weights: [Float]
        public var shotAccuracy: Float
        public var shots: Int
        public var seconds: Double
    }

    /// The unseen task's test part answered by one model: "base", "expert NAME" or "mix NAME".
    public struct Row: Sendable, Codable {
        public var name: String
        public var result: Accuracy
    }

    public var settings: ExpertDemoSettings
    public var model: String
    public var modelFingerprint: String
    public var threads: Int
    public var experts: [Trained]
    public var classifier: Trained
    /// The mixed test stream of the library's tasks (`gesal eval --dispatch`).
    public var comparison: DispatchEvaluation
    public var mixes: [Mix]
    /// The unseen task's test part: the base model, each expert alone, each mix.
    public var unseen: [Row]
    /// The state hash of the store the run leaves.
    public var stateHash: String
    public var seconds: Double
}

extension ExpertDemoReport.Trained {
    init(_ e: ExpertTrained, seconds: Double) {
        self.init(name: e.name, task: e.settings.task, trainingItems: e.training.count, validationItems: e.validation.count,
                  curve: e.curve.map { Point(step: $0.step, accuracy: $0.accuracy) }, keptStep: e.curve[e.kept].step, seconds: seconds)
    }
}

extension ExpertDemoReport.Mix {
    init(_ e: ExpertMixed, granularity: MixSettings.Granularity, seconds: Double) {
        self.init(name: e.name, granularity: granularity, experts: e.experts, best: e.generations.map(\.bestFitness.accuracy),
                  mean: e.generations.map(\.meanAccuracy), weights: e.expertWeights(e.alpha), shotAccuracy: e.fitness.accuracy,
                  shots: e.shots.count, seconds: seconds)
    }
}

extension ExpertDemoReport {
    /// The comparison's row named `name`.
    func row(_ name: String) -> DispatchEvaluation.Row? { comparison.rows.first { $0.name == name } }

    /// Each expert on its own task's test part against the base model there, and whether their
    /// 95% intervals are apart.
    public var expertLines: [String] {
        var lines = ["expert on its own task's test part   items  majority  base                    expert                  kept step  above base (intervals apart)"]
        for expert in experts {
            guard let base = row("base")?.byTask[expert.task], let own = row("expert \(expert.name)")?.byTask[expert.task] else { continue }
            lines.append("\(expert.name) (\(expert.task))".padding(toLength: 36, withPad: " ", startingAt: 0)
                + String(format: " %5d  %6.1f%%   %@  %@  %9d  %@", own.count, own.majorityBaseline * 100, Self.cell(base), Self.cell(own), expert.keptStep,
                         own.low > base.high ? "yes" : "no"))
        }
        return lines
    }

    /// The mixed stream: each row's accuracy, how often it chose the item's own expert, per task.
    public var comparisonLines: [String] {
        var lines = ["mixed test stream: \(comparison.items.count) items of \(comparison.tasks.joined(separator: ", ")) (each task's test part)",
                     "row               accuracy                chose own expert  " + comparison.tasks.map { $0.padding(toLength: 15, withPad: " ", startingAt: 0) }.joined()]
        for row in comparison.rows {
            let chose = row.classification.map { String(format: "%6.1f%%", $0 * 100) } ?? "      -"
            lines.append(row.name.padding(toLength: 17, withPad: " ", startingAt: 0) + " " + Self.cell(row.result) + "  " + chose + "           "
                + comparison.tasks.map { (row.byTask[$0].map { String(format: "%5.1f%%", $0.accuracy * 100) } ?? "-").padding(toLength: 15, withPad: " ", startingAt: 0) }.joined())
        }
        if let oracle = row("oracle"), let best = strategyRows.max(by: { $0.result.accuracy < $1.result.accuracy }) {
            lines.append(String(format: "best strategy: %@, %.1f points from the oracle", best.name, (oracle.result.accuracy - best.result.accuracy) * 100))
        }
        return lines
    }

    /// The comparison's dispatch strategies' rows.
    var strategyRows: [DispatchEvaluation.Row] { comparison.rows.filter { $0.classification != nil } }

    /// CEM on the unseen task: each search's curve, then the test part by every model.
    public var unseenLines: [String] {
        var lines: [String] = []
        for mix in mixes {
            lines.append("CEM \(mix.granularity == .expert ? "per expert" : "per matrix") (\(mix.name)) on \(mix.shots) shots: best shot accuracy by generation "
                + mix.best.map { String(format: "%.2f", $0) }.joined(separator: " ") + "; kept weights "
                + zip(mix.experts, mix.weights).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: ", "))
        }
        let count = unseen.first?.result.count ?? 0
        lines.append("\(settings.unseen) (no expert trained on it), test part: \(count) items, majority baseline "
            + String(format: "%.1f%%", (unseen.first?.result.majorityBaseline ?? 0) * 100))
        for row in unseen { lines.append(row.name.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + Self.cell(row.result)) }
        if let base = unseen.first(where: { $0.name == "base" }),
           let single = unseen.filter({ $0.name.hasPrefix("expert ") }).max(by: { $0.result.accuracy < $1.result.accuracy }) {
            for row in unseen where row.name.hasPrefix("mix ") {
                lines.append("\(row.name): \(row.result.low > base.result.high ? "above" : "not above") the base model, "
                    + "\(row.result.low > single.result.high ? "above" : "not above") the best single expert (\(single.name)) with intervals apart")
            }
        }
        return lines
    }

    public var table: String { (expertLines + [""] + comparisonLines + [""] + unseenLines).joined(separator: "\n") }

    static func cell(_ a: Accuracy) -> String {
        String(format: "%5.1f%% [%4.1f, %5.1f]", a.accuracy * 100, a.low * 100, a.high * 100)
    }
}
