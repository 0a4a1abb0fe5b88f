@testable import Demo
@testable import Engine
import Foundation
import GESAL
import Tasks
import TestSupport
import Testing

/// Transformer²'s demo report without a model: built by hand, its verdicts must follow the
/// intervals (apart, or not), and its chart must draw every search.
struct ExpertDemoReportTests {
    static func items(_ task: String, _ count: Int) -> [TaskItem] {
        (0..<count).map { TaskItem(task: task, prompt: "\(task) \($0)", answer: $0 % 3) }
    }

    static func accuracy(_ correct: Int, of count: Int, _ task: String = "arithmetic") -> Accuracy {
        Accuracy(correct: correct, items: items(task, count))
    }

    static func row(_ name: String, _ sums: Int, _ lengths: Int, chose: Double? = nil) -> DispatchEvaluation.Row {
        DispatchEvaluation.Row(name: name, result: accuracy(sums + lengths, of: 60),
                               byTask: ["arithmetic": accuracy(sums, of: 30), "wordlength": accuracy(lengths, of: 30, "wordlength")], classification: chose)
    }

    static func trained(_ name: String, _ task: String) -> ExpertTrained {
        var expert = ExpertFixture.trained(name)
        expert.settings.task = task
        return expert
    }

    /// Sums: 0 → 15 of 30 (apart); word lengths: 2 → 5 of 30 (overlapping).
    static func report(strategy: (sums: Int, lengths: Int) = (15, 5)) -> ExpertDemoReport {
        let comparison = DispatchEvaluation(tasks: ["arithmetic", "wordlength"], items: items("arithmetic", 30) + items("wordlength", 30), rows: [
            row("base", 0, 2), row("expert adder", 15, 0), row("expert lengths", 0, 5), row("oracle", 15, 5),
            row("embedding", strategy.sums, strategy.lengths, chose: 1), row("prompt", 0, 2, chose: 0),
        ])
        let mix = ExpertDemoReport.Mix(name: "minus", granularity: .expert, experts: ["adder", "lengths"], best: [0.1, 0.3, 0.2], mean: [0, 0.1, 0.15],
                                       weights: [0.4, 0.9], shotAccuracy: 0.3, shots: 10, seconds: 1)
        var matrix = mix
        (matrix.name, matrix.granularity) = ("minus-matrix", .matrix)
        return ExpertDemoReport(settings: .quick(seed: 1), model: "m.gguf", modelFingerprint: "f", threads: 2,
                                experts: [ExpertDemoReport.Trained(trained("adder", "arithmetic"), seconds: 1), ExpertDemoReport.Trained(trained("lengths", "wordlength"), seconds: 1)],
                                classifier: ExpertDemoReport.Trained(trained("router", "dispatch"), seconds: 1), comparison: comparison, mixes: [mix, matrix],
                                unseen: [.init(name: "base", result: accuracy(0, of: 40, "subtraction")), .init(name: "expert adder", result: accuracy(2, of: 40, "subtraction")),
                                         .init(name: "mix minus", result: accuracy(14, of: 40, "subtraction")),
                                         .init(name: "mix minus-matrix", result: accuracy(3, of: 40, "subtraction"))],
                                stateHash: "c0ffee", seconds: 9)
    }

    @Test func anExpertIsAboveTheBaseOnlyWhenTheIntervalsAreApart() {
        let lines = Self.report().expertLines
        #expect(lines[1].hasPrefix("adder (arithmetic)") && lines[1].hasSuffix("yes"), "\(lines[1])")
        #expect(lines[2].hasPrefix("lengths (wordlength)") && lines[2].hasSuffix("no"), "\(lines[2])")
    }

    @Test func theBestStrategyIsMeasuredFromTheOracle() {
        #expect(Self.report().comparisonLines.last == "best strategy: embedding, 0.0 points from the oracle")
        #expect(Self.report(strategy: (12, 5)).comparisonLines.last == "best strategy: embedding, 5.0 points from the oracle")
    }

    @Test func aMixIsAboveTheBaseAndTheBestSingleExpertOnlyWithIntervalsApart() {
        let lines = Self.report().unseenLines
        #expect(lines.contains("mix minus: above the base model, above the best single expert (expert adder) with intervals apart"), "\(lines)")
        #expect(lines.contains("mix minus-matrix: not above the base model, not above the best single expert (expert adder) with intervals apart"), "\(lines)")
    }

    @Test func theChartDrawsEachSearchsBestAndMeanLines() {
        let svg = MixChart(report: Self.report()).svg
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4 && svg.contains("per expert: best") && svg.contains("per matrix: mean"))
    }
}
