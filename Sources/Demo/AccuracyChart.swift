import Foundation
import Tasks

/// The demo's chart as SVG: accuracy (with 95% intervals) of the taught, held-out and control
/// items against the feedback given, one point per checkpoint. The rollback's point sits at
/// the feedback its branch kept, joined to the poisoned point by a dashed line.
public struct AccuracyChart {
    public let report: DemoReport
    let width = 760.0, height = 440.0
    let left = 60.0, right = 170.0, top = 40.0, bottom = 50.0

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
        let maxFeedback = Double(max(1, report.checkpoints.map(\.feedback).max() ?? 1))
        func x(_ feedback: Int) -> Double { left + Double(feedback) / maxFeedback * (width - left - right) }
        func y(_ value: Double) -> Double { top + (1 - value) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(left))\" y=\"22\" font-size=\"15\">GESAL demo: letter-counting accuracy against feedback (seed \(report.settings.seed))</text>",
        ]
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            parts.append("<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>")
            parts.append("<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>")
        }
        for point in main {
            parts.append("<line x1=\"\(f(x(point.feedback)))\" x2=\"\(f(x(point.feedback)))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0) + 5))\" stroke=\"black\"/>")
            parts.append("<text x=\"\(f(x(point.feedback)))\" y=\"\(f(y(0) + 18))\" text-anchor=\"middle\">\(point.feedback)</text>")
        }
        parts.append("<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0)))\" stroke=\"black\"/>")
        parts.append("<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(1)))\" stroke=\"black\"/>")
        parts.append("<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">feedback given</text>")

        for (index, line) in series.enumerated() {
            let points = main.compactMap { point in line.accuracy(point.scores).map { (x(point.feedback) + line.shift, $0) } }
            let path = points.map { "\(f($0.0)),\(f(y($0.1.accuracy)))" }.joined(separator: " ")
            parts.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"/>")
            for (px, a) in points {
                parts.append("<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(y(a.low)))\" y2=\"\(f(y(a.high)))\" stroke=\"\(line.colour)\" opacity=\"0.5\"/>")
                parts.append("<circle cx=\"\(f(px))\" cy=\"\(f(y(a.accuracy)))\" r=\"3.5\" fill=\"\(line.colour)\"/>")
            }
            if let last = main.last, let back = rolledBack.last, let from = line.accuracy(last.scores), let to = line.accuracy(back.scores) {
                let (x1, x2) = (x(last.feedback) + line.shift, x(back.feedback) + line.shift)
                parts.append("<line x1=\"\(f(x1))\" y1=\"\(f(y(from.accuracy)))\" x2=\"\(f(x2))\" y2=\"\(f(y(to.accuracy)))\" "
                    + "stroke=\"\(line.colour)\" stroke-dasharray=\"5,4\"/>")
                parts.append("<circle cx=\"\(f(x2))\" cy=\"\(f(y(to.accuracy)))\" r=\"7\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"/>")
            }
            let legendY = top + 10 + Double(index) * 20
            parts.append("<line x1=\"\(f(width - right + 15))\" x2=\"\(f(width - right + 40))\" y1=\"\(f(legendY))\" y2=\"\(f(legendY))\" "
                + "stroke=\"\(line.colour)\" stroke-width=\"2\"/>")
            parts.append("<text x=\"\(f(width - right + 46))\" y=\"\(f(legendY + 4))\">\(line.name) (\(line.accuracy(main[0].scores)?.count ?? 0))</text>")
        }
        let noteY = top + 80
        parts.append("<circle cx=\"\(f(width - right + 27))\" cy=\"\(f(noteY))\" r=\"7\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>")
        parts.append("<text x=\"\(f(width - right + 46))\" y=\"\(f(noteY + 4))\">after rollback</text>")
        parts.append("<text x=\"\(f(width - right + 15))\" y=\"\(f(noteY + 24))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
