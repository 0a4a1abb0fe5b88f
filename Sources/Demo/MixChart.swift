import Foundation

/// Transformer²'s demo chart as SVG: each CEM search's best and mean shot accuracy by
/// generation (best solid, mean dashed), one colour per search.
public struct MixChart {
    public let report: ExpertDemoReport

    public init(report: ExpertDemoReport) {
        self.report = report
    }

    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    public var svg: String {
        let generations = report.mixes.map(\.best.count).max() ?? 1
        let chart = ChartFrame(maxX: Double(generations), minX: generations > 1 ? 1 : 0)
        var parts = chart.frame(title: "Transformer² demo: CEM on \(report.settings.mix.shots) shots of \(report.settings.unseen) (seed \(report.settings.seed))",
                                xTicks: (1...generations).map(Double.init), xLabel: "generation")
        for (index, mix) in report.mixes.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            let shift = Double(index) * 3
            parts += chart.line(mix.best.enumerated().map { (Double($0.offset + 1), Double($0.element)) }, colour: colour, shift: shift)
            parts += chart.line(mix.mean.enumerated().map { (Double($0.offset + 1), Double($0.element)) }, colour: colour, shift: shift, dashed: true)
            let label = mix.granularity == .expert ? "per expert" : "per matrix"
            parts += chart.legend(2 * index, colour: colour, text: "\(label): best")
            parts += chart.legend(2 * index + 1, colour: colour, text: "\(label): mean", dashed: true)
        }
        parts.append("<text x=\"\(chart.f(chart.width - chart.right + 15))\" y=\"\(chart.f(chart.top + 10 + Double(2 * report.mixes.count) * 20 + 10))\">"
            + "y: shot accuracy</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
