import Foundation
import Tasks

/// The corrected demo run once per similarity threshold (`gesal demo --corrections
/// --sweep-threshold 0.5,...`): what sharing nodes across prompts does to taught, held-out
/// and control accuracy. Each point is a whole demo report on its own store.
public struct ThresholdSweep: Sendable, Codable, Equatable, DemoResults {
    public struct Point: Sendable, Codable, Equatable {
        public var threshold: Float
        /// Nodes the run made: fewer than the taught items means prompts shared nodes.
        public var nodes: Int
        public var report: DemoReport

        public init(threshold: Float, nodes: Int, report: DemoReport) {
            (self.threshold, self.nodes, self.report) = (threshold, nodes, report)
        }

        /// The scores after the feedback stream (before the poison).
        public var afterFeedback: DemoReport.Scores {
            report.checkpoints.first { $0.phase == DemoReport.afterFeedback }!.scores
        }

        public var baseline: DemoReport.Scores { report.checkpoints.first!.scores }
    }

    public var points: [Point]

    public init(points: [Point]) {
        self.points = points
    }

    /// One row per threshold: nodes made, and each set's accuracy after feedback with its
    /// interval and its change from the baseline.
    public var table: String {
        func cell(_ a: Accuracy?, _ base: Accuracy?) -> String {
            guard let a, let base else { return "-" }
            return String(format: "%5.1f%% [%4.1f, %5.1f] %+5.1f", a.accuracy * 100, a.low * 100, a.high * 100, (a.accuracy - base.accuracy) * 100)
        }
        guard let first = points.first else { return "(no thresholds)" }
        var lines = [
            "threshold  nodes  drift   taught (\(first.baseline.taught.count))              held-out (\(first.baseline.heldOut?.count ?? 0))            control (\(first.baseline.control?.count ?? 0))",
        ]
        for point in points {
            let after = point.afterFeedback, base = point.baseline
            lines.append(String(format: "%9.2f  %5d  %6.4f  ", point.threshold, point.nodes, point.report.drift?.meanKL ?? .nan)
                + [cell(after.taught, base.taught), cell(after.heldOut, base.heldOut), cell(after.control, base.control)].joined(separator: "  "))
        }
        lines.append("(accuracy after the corrected feedback stream [95% interval] and its change from the baseline, in points;")
        lines.append(" drift: mean per-token KL to the base model on prose, in nats, over the adapters measured)")
        return lines.joined(separator: "\n")
    }
}

/// Accuracy after the corrected stream against the similarity threshold, one line per item
/// set, with 95% intervals.
public struct SweepChart {
    public let sweep: ThresholdSweep

    public init(sweep: ThresholdSweep) {
        self.sweep = sweep
    }

    public var svg: String {
        let thresholds = sweep.points.map { Double($0.threshold) }
        let low = (thresholds.min() ?? 0) - 0.05, high = (thresholds.max() ?? 1) + 0.05
        let chart = ChartFrame(maxX: high, minX: low, tickFormat: "%.2f")
        var parts = chart.frame(title: "GESAL with corrections: accuracy after the stream, by similarity threshold", xTicks: thresholds,
                                xLabel: "similarity threshold (a prompt below it gets a new node)")
        let series: [(String, String, (DemoReport.Scores) -> Accuracy?)] = [
            ("taught", "#1f77b4", { $0.taught }), ("held-out", "#d62728", { $0.heldOut }), ("control", "#2ca02c", { $0.control }),
        ]
        for (index, (name, colour, pick)) in series.enumerated() {
            let points = sweep.points.compactMap { point in pick(point.afterFeedback).map { (Double(point.threshold), $0) } }
            parts += chart.series(points, colour: colour, shift: Double(index - 1) * 4)
            parts += chart.legend(index, colour: colour, text: name)
        }
        parts.append("<text x=\"\(chart.f(chart.width - chart.right + 15))\" y=\"\(chart.f(chart.top + 80))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
