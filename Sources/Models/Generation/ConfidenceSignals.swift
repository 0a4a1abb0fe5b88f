import Foundation

/// How sure the model was of an answer, read from the logits it was generated from: no extra
/// forward pass. Every figure uses the raw logits (before repetition penalty, temperature,
/// top-k or top-p), so greedy and sampled answers are measured alike, and a step is counted
/// whatever token it picked, the one that ended the answer included (stopping is a decision
/// too). SAGE's trigger reads these as label-free signs of a likely failure (docs/sage.md).
public struct ConfidenceSignals: Sendable, Equatable {
    /// Top-1 minus top-2 logit at the answer's first token: small when the model hesitated
    /// between two ways to start.
    public var firstTokenMargin: Float
    /// The mean entropy of the next-token distribution, in nats.
    public var meanEntropy: Float
    /// The mean natural-log probability of the tokens picked.
    public var meanLogProbability: Float
    /// How many steps the means are over.
    public var steps: Int

    public init(firstTokenMargin: Float, meanEntropy: Float, meanLogProbability: Float, steps: Int) {
        self.firstTokenMargin = firstTokenMargin
        self.meanEntropy = meanEntropy
        self.meanLogProbability = meanLogProbability
        self.steps = steps
    }
}

/// Sums the signals step by step while an answer is generated.
public struct ConfidenceTally: Sendable {
    public init() {}

    private var firstMargin: Float?
    private var entropy = 0.0
    private var logProbability = 0.0
    private var steps = 0

    /// One step: the raw `logits` and the token picked from them. A pass for the maximum and
    /// runner-up, one for the softmax's normaliser and entropy (`SoftmaxSums`), each in a fixed
    /// order, so the figures are the same bits in a batch and alone, on every machine.
    public mutating func observe(_ logits: [Float], picked: Int) {
        let (top, second) = SoftmaxSums.topTwo(logits)
        // With z = Σ exp(l − top): log-normaliser = top + log z, and the entropy is
        // log z − Σ exp(l − top)·(l − top) / z.
        let (z, weighted) = SoftmaxSums.of(logits, shift: top)
        let logZ = log(z)
        if firstMargin == nil { firstMargin = logits.count > 1 ? top - second : 0 }
        entropy += logZ - weighted / z
        logProbability += Double(logits[picked] - top) - logZ
        steps += 1
    }

    /// The signals so far, or nil before the first step.
    public var signals: ConfidenceSignals? {
        guard let firstMargin, steps > 0 else { return nil }
        return ConfidenceSignals(firstTokenMargin: firstMargin, meanEntropy: Float(entropy / Double(steps)),
                                 meanLogProbability: Float(logProbability / Double(steps)), steps: steps)
    }
}
