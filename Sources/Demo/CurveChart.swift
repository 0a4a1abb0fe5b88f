import Engine
import Foundation

/// Accuracy curves of one or more branches on one chart (`gesal-log curve`): accuracy with its
/// 95% interval against the learning steps each branch had taken.
public struct CurveChart {
    public let curves: [AccuracyCurve]
    public let title: String

    public init(curves: [AccuracyCurve], title: String) {
        self.curves = curves
        self.title = title
    }

    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    public var svg: String {
        let steps = curves.flatMap { $0.points.map(\.learningSteps) }
        let chart = ChartFrame(maxX: Double(steps.max() ?? 1))
        let ticks = Array(Set(curves.first?.points.map { Double($0.learningSteps) } ?? [])).sorted()
        var parts = chart.frame(title: title, xTicks: ticks.count > 12 ? stride(from: 0, to: ticks.count, by: (ticks.count + 11) / 12).map { ticks[$0] } : ticks,
                                xLabel: "learning steps")
        for (index, curve) in curves.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            parts += chart.series(curve.points.map { (Double($0.learningSteps), $0.accuracy) }, colour: colour, shift: Double(index) * 4, dashed: index > 0)
            parts += chart.legend(index, colour: colour, text: curve.branch)
        }
        parts.append("<text x=\"\(chart.f(chart.width - chart.right + 15))\" y=\"\(chart.f(chart.top + 10 + Double(curves.count) * 20 + 10))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
