import Foundation
import Tasks

/// The demo's chart as SVG: accuracy (with 95% intervals) of the taught, held-out and control
/// items against the feedback given, one point per checkpoint. The rollback's point sits at
/// the feedback its branch kept, joined to the poisoned point by a dashed line.
public struct AccuracyChart {
    public let report: DemoReport

    public init(report: DemoReport) {
        self.report = report
    }

    struct Series {
        var name: String
        var colour: String
        var accuracy: (DemoReport.Scores) -> Accuracy?
        /// Drawn a little to the side, so the three series' interval bars do not overlap.
        var shift: Double
    }

    let series = [
        Series(name: "taught", colour: "#d62728", accuracy: { $0.taught }, shift: 0),
        Series(name: "held-out", colour: "#1f77b4", accuracy: { $0.heldOut }, shift: -4),
        Series(name: "control", colour: "#2ca02c", accuracy: { $0.control }, shift: 4),
    ]

    public var svg: String {
        let main = report.checkpoints.filter { $0.branch == "main" }
        let rolledBack = report.checkpoints.filter { $0.branch != "main" }
        let chart = ChartFrame(maxX: Double(max(1, report.checkpoints.map(\.feedback).max() ?? 1)))
        func x(_ feedback: Int) -> Double { chart.x(Double(feedback)) }
        let (y, f) = (chart.y, chart.f)
        let (width, right, top) = (chart.width, chart.right, chart.top)

        var parts = chart.frame(title: "GESAL demo: letter-counting accuracy against feedback (seed \(report.settings.seed))",
                                xTicks: main.map { Double($0.feedback) }, xLabel: "feedback given")
        for (index, line) in series.enumerated() {
            parts += chart.series(main.compactMap { point in line.accuracy(point.scores).map { (Double(point.feedback), $0) } },
                                  colour: line.colour, shift: line.shift)
            if let last = main.last, let back = rolledBack.last, let from = line.accuracy(last.scores), let to = line.accuracy(back.scores) {
                let (x1, x2) = (x(last.feedback) + line.shift, x(back.feedback) + line.shift)
                parts.append("<line x1=\"\(f(x1))\" y1=\"\(f(y(from.accuracy)))\" x2=\"\(f(x2))\" y2=\"\(f(y(to.accuracy)))\" "
                    + "stroke=\"\(line.colour)\" stroke-dasharray=\"5,4\"/>")
                parts.append("<circle cx=\"\(f(x2))\" cy=\"\(f(y(to.accuracy)))\" r=\"7\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"/>")
            }
            parts += chart.legend(index, colour: line.colour, text: "\(line.name) (\(line.accuracy(main[0].scores)?.count ?? 0))")
        }
        let noteY = top + 80
        parts.append("<circle cx=\"\(f(width - right + 27))\" cy=\"\(f(noteY))\" r=\"7\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>")
        parts.append("<text x=\"\(f(width - right + 46))\" y=\"\(f(noteY + 4))\">after rollback</text>")
        parts.append("<text x=\"\(f(width - right + 15))\" y=\"\(f(noteY + 24))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
