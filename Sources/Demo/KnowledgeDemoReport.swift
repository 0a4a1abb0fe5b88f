import Engine
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

    /// One training passage as the store learned it: each candidate's [exact match, contains
    /// the answer, F1] on its quiz (0: the passage alone) and the kept one.
    public struct Learned: Sendable, Codable, Equatable {
        public var passage: Int
        public var title: String
        public var candidates: [[Double]]
        public var chosen: Int
        public var beatsPassage: Bool
        public var seconds: Double
    }

    /// The training passages learned in turn on one branch (SEAL's continual setting).
    public struct Continual: Sendable, Codable, Equatable {
        /// The replay buffer: earlier passages each candidate rehearsed (0: none).
        public var rehearse: Int
        /// The inner loop's own quiz of each passage: the candidate trained on the passage
        /// alone, and the kept one (chosen on this very quiz, so optimistic).
        public var passageAlone: Figure
        public var kept: Figure
        /// Each passage's quiz with the store's knowledge adapter right after its passage, and
        /// after the last one: forgetting is the fall from one to the other.
        public var rightAfter: Figure
        public var atEnd: Figure
        /// After each passage, the quizzes of every passage learned so far.
        public var curve: [Figure]
        public var learned: [Learned]
        /// The control set with the final knowledge adapter, and its drift on prose.
        public var control: Accuracy
        public var drift: DriftFigure?
        public var stateHash: String
    }

    /// A held-out figure: the held-out passages, each learned alone from the knowledge adapter
    /// the training passages left (or that adapter without them).
    public struct Condition: Sendable, Codable, Equatable {
        public var name: String
        public var figure: Figure
    }

    /// One ReST-EM round on the main branch.
    public struct Round: Sendable, Codable, Equatable {
        public var round: Int
        /// Winning edits trained on, and passages learned again in its E-step.
        public var edits: Int
        public var relearned: Int
        public var trainingLoss: Double
        public var adapter: String
    }

    public var settings: KnowledgeDemoSettings
    public var model: String
    public var modelFingerprint: String
    public var threads: Int
    public var trainingPassages: [String]
    public var heldOutPassages: [String]
    /// The held-out passages: the base model without them, then each condition (the store's
    /// knowledge adapter without them; the passage alone; with one edit by the base model;
    /// with one edit by each round's writer), each passage learned alone from that adapter.
    public var base: Figure
    public var heldOut: [Condition]
    /// The base model on the training passages' quizzes, and on the control set.
    public var baseOnTraining: Figure
    public var baseControl: Accuracy
    /// The training passages without and with the replay buffer.
    public var continual: Continual
    public var rehearsed: Continual
    public var rounds: [Round]
    /// Why ReST-EM stopped before its rounds were done, if it did.
    public var roundsStopped: String?
    public var stateHash: String
    public var seconds: Double

    public var table: String {
        func cell(_ a: Accuracy) -> String { String(format: "%5.1f%% [%4.1f, %5.1f]", a.accuracy * 100, a.low * 100, a.high * 100) }
        func row(_ name: String, _ figure: Figure) -> String {
            name.padding(toLength: 52, withPad: " ", startingAt: 0) + cell(figure.exactMatch) + "  " + cell(figure.containsAnswer) + String(format: "  %.3f", figure.f1)
        }
        // The title on its own line: a long one ran into the column names.
        func title(_ text: String) -> [String] { [text, String(repeating: " ", count: 52) + "exact match           contains the answer     F1"] }
        var lines = title("held out: \(heldOutPassages.count) passages, \(base.exactMatch.count) questions, each learned alone")
        lines.append(row("base model, without the passage", base))
        lines += heldOut.map { row($0.name, $0.figure) }
        lines.append(String(format: "majority-answer baseline %.1f%%", base.exactMatch.majorityBaseline * 100))
        lines.append(verdict(heldOut.count > 2 ? heldOut[2] : nil, against: base, "passage + the base model's edit", "the base model"))
        if heldOut.count > 3 { lines.append(verdict(heldOut[3], against: heldOut[2].figure, "after round 1", "passage + the base model's edit")) }
        lines.append("")
        lines += title("training: \(trainingPassages.count) passages, \(baseOnTraining.exactMatch.count) questions, learned in turn")
        lines.append(row("base model, without the passage", baseOnTraining))
        for run in [continual, rehearsed] {
            let name = run.rehearse == 0 ? "no replay buffer" : "replay buffer of \(run.rehearse)"
            lines += [row("\(name): passage alone (inner loop)", run.passageAlone), row("\(name): kept edit (chosen on this quiz)", run.kept),
                      row("\(name): right after its passage", run.rightAfter), row("\(name): after the last passage", run.atEnd)]
        }
        lines.append("forgetting (contains the answer, right after -> after the last): "
            + [continual, rehearsed].map { String(format: "%@ %.1f%% -> %.1f%%", $0.rehearse == 0 ? "no buffer" : "buffer", $0.rightAfter.containsAnswer.accuracy * 100,
                                                  $0.atEnd.containsAnswer.accuracy * 100) }.joined(separator: "; "))
        lines.append("control set: base \(cell(baseControl)), no buffer \(cell(continual.control)), buffer \(cell(rehearsed.control)) (\(baseControl.count) questions)")
        for run in [continual, rehearsed] {
            if let drift = run.drift { lines.append("\(run.rehearse == 0 ? "no buffer" : "buffer"): \(drift.summary)") }
        }
        lines.append("kept edits that beat the passage alone: \(continual.learned.filter(\.beatsPassage).count) of \(continual.learned.count)")
        for round in rounds {
            lines.append(String(format: "ReST-EM round %d: the writer trained on %d winning edits (%d passages learned again first), loss %.3f", round.round, round.edits,
                                round.relearned, round.trainingLoss))
        }
        if let roundsStopped { lines.append("ReST-EM stopped at \(roundsStopped)") }
        return lines.joined(separator: "\n")
    }

    /// Whether `condition` is above `baseline` by containment with intervals apart.
    private func verdict(_ condition: Condition?, against baseline: Figure, _ name: String, _ other: String) -> String {
        guard let condition else { return "" }
        let (a, b) = (condition.figure.containsAnswer, baseline.containsAnswer)
        let relation = a.low > b.high ? "above, intervals apart" : a.high < b.low ? "below, intervals apart" : "intervals overlap"
        return String(format: "%@ against %@ (contains the answer): %.1f%% vs %.1f%%, %@", name, other, a.accuracy * 100, b.accuracy * 100, relation)
    }
}

/// SEAL's demo chart as SVG: the forgetting curves, replies that contain the answer (with
/// intervals) on every training passage learned so far after each passage, without and with
/// the replay buffer.
public struct KnowledgeChart {
    public let report: KnowledgeDemoReport

    public init(report: KnowledgeDemoReport) {
        self.report = report
    }

    public var svg: String {
        let count = report.continual.curve.count
        let chart = ChartFrame(maxX: Double(max(count, 1)), minX: count > 1 ? 1 : 0)
        let ticks = (1...max(count, 1)).map(Double.init)
        var parts = chart.frame(title: "SEAL demo: no-context quiz on the passages learned so far (seed \(report.settings.seed))",
                                xTicks: ticks.count > 12 ? stride(from: 0, to: ticks.count, by: (ticks.count + 11) / 12).map { ticks[$0] } : ticks,
                                xLabel: "passages learned")
        func points(_ run: KnowledgeDemoReport.Continual) -> [(Double, Accuracy)] { run.curve.enumerated().map { (Double($0.offset + 1), $0.element.containsAnswer) } }
        parts += chart.series(points(report.continual), colour: "#1f77b4")
        parts += chart.series(points(report.rehearsed), colour: "#2ca02c", shift: 4)
        parts += chart.legend(0, colour: "#1f77b4", text: "contains the answer")
        parts += chart.legend(1, colour: "#2ca02c", text: "with a replay buffer of \(report.rehearsed.rehearse)")
        parts.append("<text x=\"\(chart.f(chart.width - chart.right + 15))\" y=\"\(chart.f(chart.top + 60))\">bars: 95% intervals</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
