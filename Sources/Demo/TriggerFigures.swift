import GESAL
import Tasks

/// How well SAGE's trigger tells wrong answers from right ones, against the feedback's
/// verdicts (negative is wrong; in the demo, the checker's). Negative feedback always fires, so with
/// a checker on every answer the trigger's recall is 1 by construction; what the figures test
/// is the label-free part, which a deployed system has before anyone grades the answer.
public struct TriggerFigures: Sendable, Codable, Equatable {
    /// Judgements (`TriggerFired.v2`) of checker feedback, and how many were of wrong answers.
    public var judged: Int
    public var wrong: Int
    public var fired: Int
    /// Of the fired judgements, the share of wrong answers; of the wrong answers, the share fired.
    public var precision: Double?
    public var recall: Double?
    /// The label-free score (the weighted mean of the label-free signals' badness, as the
    /// store's settings weigh them) against wrongness, over the judgements after the
    /// calibration; nil when there were none, or when all were right or all wrong.
    public var labelFreeScore: AUROC?
    /// Each label-free signal alone, oriented so that larger means worse, over every judged answer.
    public var signals: [String: AUROC]

    /// The figures of the judgements in `events`, against the verdicts of feedback from
    /// `source` (nil: from anyone).
    public init(_ events: [DomainEvent], source: String? = "checker") {
        var verdict: [Int: Float] = [:]
        var settings = TriggerSettings()
        var judgements: [(wrong: Bool, fired: Bool, labelFree: Double?, signals: [String: Float])] = []
        for event in events {
            switch event {
            case .storeCreated(let e): settings = e.config.trigger ?? settings
            case .feedbackRecorded(let e): verdict[e.interaction] = source == nil || e.source == source ? e.reward : nil
            case .triggerFired(let e):
                guard let judgement = e.judgement, let reward = verdict[e.interaction] else { continue }
                // A judgement's label-free scores are its answer's signals (replay checks it).
                let labelFree = settings.score(judgement.badness, among: TriggerSignal.labelFree).map(Double.init)
                judgements.append((reward < 0, judgement.fired, labelFree, e.scores))
            default: break
            }
        }
        judged = judgements.count
        wrong = judgements.count(where: \.wrong)
        fired = judgements.count(where: \.fired)
        let hits = judgements.count(where: { $0.wrong && $0.fired })
        precision = fired > 0 ? Double(hits) / Double(fired) : nil
        recall = wrong > 0 ? Double(hits) / Double(wrong) : nil
        let scored = judgements.filter { $0.labelFree != nil }
        labelFreeScore = AUROC(scores: scored.map { $0.labelFree! }, failed: scored.map(\.wrong))
        var signals: [String: AUROC] = [:]
        for signal in TriggerSignal.labelFree {
            let measured = judgements.filter { $0.signals[signal.rawValue] != nil }
            let oriented = measured.map { Double($0.signals[signal.rawValue]!) * (signal.largeIsBad ? 1 : -1) }
            signals[signal.rawValue] = AUROC(scores: oriented, failed: measured.map(\.wrong))
        }
        self.signals = signals
    }

    /// Lines for the demo's table.
    public var lines: [String] {
        func share(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        var lines = ["trigger: \(judged) answers judged, \(wrong) given negative feedback, \(fired) fired; "
            + "precision \(share(precision)), recall \(share(recall)) (negative feedback always fires)"]
        lines.append("  label-free score AUROC " + (labelFreeScore?.summary ?? "- (no judgement after the calibration, or one class only)"))
        for (name, auroc) in signals.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(name.padding(toLength: 19, withPad: " ", startingAt: 0)) AUROC \(auroc.summary)")
        }
        return lines
    }
}
