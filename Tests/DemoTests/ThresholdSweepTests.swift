import Demo
import Foundation
import Tasks
import Testing

/// The threshold sweep's outputs without a model: table, JSON and chart from hand-built reports.
struct ThresholdSweepTests {
    static func point(_ threshold: Float, nodes: Int, taught: Int) -> ThresholdSweep.Point {
        var report = DemoReportTests.report
        report.settings.config.similarityThreshold = threshold
        let index = report.checkpoints.firstIndex { $0.phase == DemoReport.afterFeedback }!
        report.checkpoints[index].scores = DemoReportTests.scores(taught, 3, 5)
        return ThresholdSweep.Point(threshold: threshold, nodes: nodes, report: report)
    }

    static let sweep = ThresholdSweep(points: [point(0.5, nodes: 3, taught: 4), point(0.9, nodes: 10, taught: 9)])

    @Test func theTableHasARowPerThresholdWithTheChangeFromTheBaseline() {
        let lines = Self.sweep.table.split(separator: "\n")
        #expect(lines.count == 1 + 2 + 2)
        // Baseline taught 1 of 10; after the stream at 0.9, 9 of 10: +80 points.
        #expect(lines[2].hasPrefix("     0.90     10") && lines[2].contains("90.0% [59.6,  98.2]") && lines[2].contains("+80.0"), "\(lines[2])")
        #expect(lines[1].contains(" -5.0"), "control 5 of 20 against a baseline of 6: \(lines[1])")
    }

    @Test func theJSONRoundTrips() throws {
        #expect(try JSONDecoder().decode(ThresholdSweep.self, from: Data(Self.sweep.json())) == Self.sweep)
    }

    @Test func theChartHasAPointPerThresholdAndSeriesWithTickLabels() {
        let svg = SweepChart(sweep: Self.sweep).svg
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(svg.components(separatedBy: "r=\"3.5\"").count - 1 == 2 * 3)
        #expect(svg.contains(">0.50</text>") && svg.contains(">0.90</text>"))
    }
}
