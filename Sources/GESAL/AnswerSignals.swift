/// What a deployed system knows about an answer without anyone grading it: how sure the
/// model was (from the logits it was generated from) and how far the prompt was from
/// everything the graph memory had seen. Recorded in `InteractionRecorded`; SAGE's trigger
/// reads it when the answer gets feedback (docs/sage.md).
public struct AnswerSignals: Sendable, Equatable, Codable {
    /// Top-1 minus top-2 raw logit at the answer's first token.
    public var firstTokenMargin: Float
    /// The mean entropy of the next-token distributions, in nats.
    public var meanEntropy: Float
    /// The mean natural-log probability of the tokens picked.
    public var meanLogProbability: Float
    /// The steps the means are over (the tokens picked, the one that ended the answer included).
    public var steps: Int
    /// The cosine similarity of the prompt's embedding to the nearest node before it was
    /// routed; absent for the store's first prompt, which had no node to be near.
    public var nearestNode: Float?
    /// The cosine similarity of the prompt's embedding to the nearest formed cluster of SAGE's
    /// buffer (clusters of answers the trigger fired on); absent while there is none.
    public var nearestCluster: Float?

    public init(firstTokenMargin: Float, meanEntropy: Float, meanLogProbability: Float, steps: Int, nearestNode: Float?,
                nearestCluster: Float? = nil) {
        self.firstTokenMargin = firstTokenMargin
        self.meanEntropy = meanEntropy
        self.meanLogProbability = meanLogProbability
        self.steps = steps
        self.nearestNode = nearestNode
        self.nearestCluster = nearestCluster
    }

    /// The label-free signals by the names the trigger weighs them under.
    public var named: [String: Float] {
        var signals = [TriggerSignal.firstTokenMargin.rawValue: firstTokenMargin, TriggerSignal.meanEntropy.rawValue: meanEntropy,
                       TriggerSignal.meanLogProbability.rawValue: meanLogProbability]
        if let nearestNode { signals[TriggerSignal.nodeDistance.rawValue] = 1 - nearestNode }
        if let nearestCluster { signals[TriggerSignal.clusterSimilarity.rawValue] = nearestCluster }
        return signals
    }
}
