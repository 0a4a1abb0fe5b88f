import Engine
import Foundation
import Tasks

/// The results of one demo run: what `gesal demo --json` writes. Everything except the
/// `seconds` fields is a function of the settings, the model files and the thread count, so
/// two runs with the same seed give the same file apart from those fields.
public struct DemoReport: Sendable, Codable, Equatable, DemoResults {
    /// Accuracy on the three item sets at one point of the run. Between passes of the
    /// feedback stream only the taught items are scored (the curve); every phase scores all three.
    public struct Scores: Sendable, Codable, Equatable {
        public var taught: Accuracy
        public var heldOut: Accuracy?
        public var control: Accuracy?
        /// Held-out accuracy per task family, when the stream had several (SAGE's demo).
        public var heldOutByFamily: [String: Accuracy]?

        public init(taught: Accuracy, heldOut: Accuracy?, control: Accuracy?, heldOutByFamily: [String: Accuracy]? = nil) {
            (self.taught, self.heldOut, self.control, self.heldOutByFamily) = (taught, heldOut, control, heldOutByFamily)
        }
    }

    /// One scoring of the store: after which phase, on which branch, at which state.
    public struct Checkpoint: Sendable, Codable, Equatable {
        public var phase: String
        public var branch: String
        /// Feedback given so far in the run (the chart's x axis); the rollback point counts
        /// the feedback its branch kept.
        public var feedback: Int
        public var stateHash: String
        public var scores: Scores
        /// Wall time of the phase that led here, scoring included (a timing field).
        public var seconds: Double

        public init(phase: String, branch: String, feedback: Int, stateHash: String, scores: Scores, seconds: Double) {
            (self.phase, self.branch, self.feedback, self.stateHash, self.scores, self.seconds) = (phase, branch, feedback, stateHash, scores, seconds)
        }
    }

    public struct Rollback: Sendable, Codable, Equatable {
        public var branch: String
        /// The InteractionRecorded events excluded: the poisoned interactions and, with them,
        /// their feedback.
        public var excluded: [UInt64]
        public var stateHash: String
        /// Whether the rolled-back state hashes equal to the state before the poison.
        public var matchesBeforePoison: Bool

        public init(branch: String, excluded: [UInt64], stateHash: String, matchesBeforePoison: Bool) {
            (self.branch, self.excluded, self.stateHash, self.matchesBeforePoison) = (branch, excluded, stateHash, matchesBeforePoison)
        }
    }

    public var settings: DemoSettings
    public var model: String
    public var modelFingerprint: String
    public var threads: Int
    public var checkpoints: [Checkpoint]
    public var rollback: Rollback
    /// How far the adapters after the feedback stream move the model on ordinary prose
    /// (absent when the run had no passage to measure it on).
    public var drift: DriftFigure?
    /// How well the trigger's judgements of the feedback stream tell wrong answers from right
    /// ones (absent when the store had no trigger).
    public var trigger: TriggerFigures?
    /// How SAGE's buffer grouped what the trigger fired on (absent without a buffer).
    public var clusters: ClusterFigures?
    /// What SAGE's LoRA store searched and kept (absent without one).
    public var pool: PoolFigures?
    /// Wall time of the whole run (a timing field).
    public var seconds: Double

    public init(settings: DemoSettings, model: String, modelFingerprint: String, threads: Int, checkpoints: [Checkpoint], rollback: Rollback,
                drift: DriftFigure? = nil, trigger: TriggerFigures? = nil, clusters: ClusterFigures? = nil, pool: PoolFigures? = nil, seconds: Double) {
        self.settings = settings
        self.model = model
        self.modelFingerprint = modelFingerprint
        self.threads = threads
        self.checkpoints = checkpoints
        self.rollback = rollback
        self.drift = drift
        self.trigger = trigger
        self.clusters = clusters
        self.pool = pool
        self.seconds = seconds
    }
}

extension DemoReport {
    public static let baseline = "baseline", afterFeedback = "after feedback", afterPoison = "after poison", afterRollback = "after rollback"

    /// The final table: one row per checkpoint, accuracy with its 95% interval per item set.
    public var table: String {
        func cell(_ a: Accuracy?) -> String {
            guard let a else { return "        -          " }
            return String(format: "%5.1f%% [%4.1f, %5.1f]", a.accuracy * 100, a.low * 100, a.high * 100)
        }
        let first = checkpoints.first!.scores
        var lines = [
            "phase            feedback  taught (\(first.taught.count))           held-out (\(first.heldOut?.count ?? 0))         control (\(first.control?.count ?? 0))",
        ]
        for point in checkpoints {
            let name = point.phase.padding(toLength: 16, withPad: " ", startingAt: 0)
            lines.append("\(name) \(String(format: "%8d", point.feedback))  \(cell(point.scores.taught))  \(cell(point.scores.heldOut))  \(cell(point.scores.control))")
        }
        lines.append(String(format: "majority-answer baseline   %5.1f%%                 %5.1f%%                 %5.1f%%",
                            first.taught.majorityBaseline * 100, (first.heldOut?.majorityBaseline ?? 0) * 100, (first.control?.majorityBaseline ?? 0) * 100))
        return (lines + familyLines).joined(separator: "\n")
    }

    /// Per task family, held-out accuracy before and after the feedback stream, and whether
    /// the gain is one the 95% intervals can tell from chance (they do not overlap).
    public var familyLines: [String] {
        guard let before = checkpoints.first?.scores.heldOutByFamily,
              let after = checkpoints.first(where: { $0.phase == Self.afterFeedback })?.scores.heldOutByFamily else { return [] }
        var lines = ["", "held-out by family  baseline                 after feedback           majority  above baseline (intervals apart)"]
        for family in before.keys.sorted() {
            guard let b = before[family], let a = after[family] else { continue }
            lines.append(family.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: " %5.1f%% [%4.1f, %5.1f]  %5.1f%% [%4.1f, %5.1f]  %5.1f%%    %@ (%d items)", b.accuracy * 100, b.low * 100,
                         b.high * 100, a.accuracy * 100, a.low * 100, a.high * 100, a.majorityBaseline * 100, a.low > b.high ? "yes" : "no", a.count))
        }
        return lines
    }

    /// The families whose held-out accuracy after the stream is above the baseline's with
    /// non-overlapping 95% intervals.
    public var familiesAboveBaseline: [String] {
        guard let before = checkpoints.first?.scores.heldOutByFamily,
              let after = checkpoints.first(where: { $0.phase == Self.afterFeedback })?.scores.heldOutByFamily else { return [] }
        return before.keys.sorted().filter { family in after[family].map { $0.low > before[family]!.high } ?? false }
    }
}
