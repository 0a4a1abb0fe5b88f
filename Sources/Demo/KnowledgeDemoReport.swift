import Foundation
import Tasks

/// The results of `gesal demo --system seal`: what `--json` writes. Everything except the
/// `seconds` fields is a function of the settings, the model files and the thread count.
public struct KnowledgeDemoReport: Sendable, Codable, DemoResults {
    /// A quiz figure without the passage in context: exact match and replies that contain the
    /// answer, over the questions (each with its Wilson interval and majority baseline), and the
    /// mean token F1.
    public struct Figure: Sendable, Codable, Equatable {
        public var exactMatch: Accuracy
        public var containsAnswer: Accuracy
        public var f1: Double
    }

    /// One passage as learned: each candidate's [exact match, contains the answer, F1] (0: the
    /// passage alone) and the kept one.
    public struct Learned: Sendable, Codable, Equatable {
        public var passage: Int
        public var title: String
        public var candidates: [[Double]]
        public var chosen: Int
        public var beatsPassage: Bool
        public var seconds: Double
    }

    /// A passage's exact match right after it was learned and after the last passage.
    public struct Forgetting: Sendable, Codable, Equatable {
        public var passage: Int
        public var afterOwn: Double
        public var atEnd: Double
    }

    public var settings: KnowledgeDemoSettings
    public var model: String
    public var modelFingerprint: String
    public var threads: Int
    /// Every passage's quiz: by the base model; right after its own passage, trained on the
    /// passage alone and with the kept self-edit; and after the last passage.
    public var base: Figure
    public var passageOnly: Figure
    public var withEdits: Figure
    public var atEnd: Figure
    /// After each passage, the quizzes of every passage learned so far.
    public var curve: [Figure]
    public var forgetting: [Forgetting]
    public var learned: [Learned]
    public var stateHash: String
    public var seconds: Double

    public var table: String {
        func cell(_ a: Accuracy) -> String { String(format: "%5.1f%% [%4.1f, %5.1f]", a.accuracy * 100, a.low * 100, a.high * 100) }
        func row(_ name: String, _ figure: Figure) -> String {
            name.padding(toLength: 44, withPad: " ", startingAt: 0) + cell(figure.exactMatch) + "  " + cell(figure.containsAnswer) + String(format: "  %.3f", figure.f1)
        }
        var lines = ["no-context quiz, \(learned.count) passages, \(base.exactMatch.count) questions   exact match             contains the answer     F1",
                     row("base model", base), row("passage alone, right after it", passageOnly), row("passage + kept self-edit, right after it", withEdits),
                     row("after the last passage", atEnd),
                     String(format: "majority-answer baseline %.1f%%", base.exactMatch.majorityBaseline * 100)]
        let beats = learned.filter(\.beatsPassage).count
        lines.append("kept edits that beat the passage alone: \(beats) of \(learned.count)")
        if let first = forgetting.first {
            lines.append(String(format: "forgetting: passage 1 right after it %.1f%%, after all %d passages %.1f%%", first.afterOwn * 100, learned.count, first.atEnd * 100))
        }
        return lines.joined(separator: "\n")
    }
}

/// SEAL's demo chart as SVG: exact match (with intervals) on every passage learned so far,
/// after each passage, and the mean F1.
public struct KnowledgeChart {
    public let report: KnowledgeDemoReport

    public init(report: KnowledgeDemoReport) {
        self.report = report
    }

    public var svg: String {
        let count = report.curve.count
        let chart = ChartFrame(maxX: Double(max(count, 1)), minX: count > 1 ? 1 : 0)
        let ticks = (1...max(count, 1)).map(Double.init)
        var parts = chart.frame(title: "SEAL demo: no-context quiz on the passages learned so far (seed \(report.settings.seed))",
                                xTicks: ticks.count > 12 ? stride(from: 0, to: ticks.count, by: (ticks.count + 11) / 12).map { ticks[$0] } : ticks,
                                xLabel: "passages learned")
        parts += chart.series(report.curve.enumerated().map { (Double($0.offset + 1), $0.element.exactMatch) }, colour: "#1f77b4")
        parts += chart.series(report.curve.enumerated().map { (Double($0.offset + 1), $0.element.containsAnswer) }, colour: "#2ca02c", shift: 4)
        parts += chart.line(report.curve.enumerated().map { (Double($0.offset + 1), $0.element.f1) }, colour: "#d62728", dashed: true)
        parts += chart.legend(0, colour: "#1f77b4", text: "exact match")
        parts += chart.legend(1, colour: "#2ca02c", text: "contains the answer")
        parts += chart.legend(2, colour: "#d62728", text: "token F1", dashed: true)
        parts.append("<text x=\"\(chart.f(chart.width - chart.right + 15))\" y=\"\(chart.f(chart.top + 80))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
