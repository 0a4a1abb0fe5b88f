import Demo
import Foundation
import GESAL
import Tasks
import Testing

/// The demo's outputs without a model: a report built by hand, its table, JSON and chart.
struct DemoReportTests {
    static func items(_ count: Int, answer: Int = 1) -> [TaskItem] {
        (0..<count).map { TaskItem(task: "letters", prompt: "q\($0)", answer: $0 % 2 == 0 ? answer : answer + 1) }
    }

    static func scores(_ taught: Int, _ heldOut: Int?, _ control: Int?) -> DemoReport.Scores {
        DemoReport.Scores(taught: Accuracy(correct: taught, items: items(10)),
                          heldOut: heldOut.map { Accuracy(correct: $0, items: items(8)) },
                          control: control.map { Accuracy(correct: $0, items: items(20)) })
    }

    static let report = DemoReport(
        settings: .quick(seed: 3), model: "m.gguf", modelFingerprint: "f", threads: 2,
        checkpoints: [
            .init(phase: DemoReport.baseline, branch: "main", feedback: 0, stateHash: "a", scores: scores(1, 2, 6), seconds: 1.5),
            .init(phase: "feedback pass 1", branch: "main", feedback: 10, stateHash: "b", scores: scores(4, nil, nil), seconds: 2),
            .init(phase: DemoReport.afterFeedback, branch: "main", feedback: 20, stateHash: "c", scores: scores(8, 2, 6), seconds: 2),
            .init(phase: DemoReport.afterPoison, branch: "main", feedback: 30, stateHash: "d", scores: scores(0, 2, 5), seconds: 2),
            .init(phase: DemoReport.afterRollback, branch: "without-poison", feedback: 20, stateHash: "c", scores: scores(8, 2, 6), seconds: 1),
        ],
        rollback: .init(branch: "without-poison", excluded: [40, 45], stateHash: "c", matchesBeforePoison: true), seconds: 8.5)

    /// Held-out accuracy per family: `before` and `after` correct of 20 items each.
    static func familyReport(_ families: [String: (before: Int, after: Int)]) -> DemoReport {
        func scores(_ pick: ((before: Int, after: Int)) -> Int) -> DemoReport.Scores {
            var scores = Self.scores(1, 2, 6)
            scores.heldOutByFamily = families.mapValues { Accuracy(correct: pick($0), items: items(20)) }
            return scores
        }
        var report = Self.report
        report.checkpoints[0].scores = scores(\.before)
        report.checkpoints[2].scores = scores(\.after)
        return report
    }

    @Test func aFamilyIsAboveItsBaselineOnlyWhenTheIntervalsDoNotOverlap() {
        // 0/20 is [0, 16.1]; 15/20 is [53.1, 88.8]; 5/20 [11.2, 46.9] against 9/20 [25.8, 65.8] overlap.
        let report = Self.familyReport(["arithmetic": (0, 15), "letters": (5, 9), "multiplication": (0, 0)])
        #expect(report.familiesAboveBaseline == ["arithmetic"])
        #expect(report.table.contains("held-out by family") && report.familyLines.count == 5)
        #expect(report.familyLines[2].hasPrefix("arithmetic  ") && report.familyLines[2].hasSuffix("yes (20 items)"))
    }

    @Test func aReportWithoutFamiliesHasNoFamilyLines() {
        #expect(Self.report.familyLines.isEmpty && Self.report.familiesAboveBaseline.isEmpty)
    }

    @Test func theTableHasARowPerCheckpointAndTheMajorityBaseline() {
        let lines = Self.report.table.split(separator: "\n")
        #expect(lines.count == 1 + 5 + 1)
        #expect(lines[3].hasPrefix("after feedback") && lines[3].contains("80.0% [49.0,  94.3]"), "\(lines[3])")
        #expect(lines[2].contains("  -  "), "intermediate passes score only the taught items: \(lines[2])")
        #expect(lines.last!.hasPrefix("majority-answer baseline") && lines.last!.contains("50.0%"))
    }

    @Test func theJSONRoundTripsAndOnlyTimingFieldsHoldSeconds() throws {
        let bytes = try Self.report.json()
        #expect(try JSONDecoder().decode(DemoReport.self, from: Data(bytes)) == Self.report)
        var faster = Self.report
        faster.seconds = 1
        for index in faster.checkpoints.indices { faster.checkpoints[index].seconds = 0.25 }
        let untimed = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"seconds\"") } }
        #expect(untimed(try faster.json()) == untimed(bytes))
        #expect(untimed(try faster.json()) != String(decoding: bytes, as: UTF8.self).split(separator: "\n"))
    }

    @Test func theChartDrawsEverySeriesAndTheRollback() {
        let svg = AccuracyChart(report: Self.report).svg
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
        // Taught has four main-branch points; held-out and control have the three phases that scored them.
        #expect(svg.components(separatedBy: "r=\"3.5\"").count - 1 == 4 + 3 + 3)
        #expect(svg.components(separatedBy: "stroke-dasharray").count - 1 == 3)
        #expect(svg.contains("taught (10)") && svg.contains("held-out (8)") && svg.contains("control (20)"))
    }
}
