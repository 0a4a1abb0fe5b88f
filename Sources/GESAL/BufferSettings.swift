/// SAGE's buffer, as a store setting (`EngineConfig.buffer`, with `gesal init --buffer`): the
/// answers the trigger fired on are clustered by their prompts' embeddings after each one
/// enters, and a cluster that holds over several rounds is formed (docs/sage.md). The defaults
/// are SAGE's figures: HDBSCAN with `min_cluster_size` 2 and `min_samples` 1, stable at an
/// adjusted Rand index of 0.8 and a centre cosine of 0.5, merged at a centre cosine of 0.8.
public struct BufferSettings: Sendable, Equatable, Codable {
    public var minClusterSize: Int
    public var minSamples: Int
    /// Consecutive rounds (this one included) a cluster must hold, each agreeing with the one
    /// before, before it forms; a formed cluster that no round holds for as many dissolves.
    public var stableRounds: Int
    /// The adjusted Rand index of a candidate's points between consecutive rounds at which
    /// they agree.
    public var minAgreement: Double
    /// The cosine of a candidate's centre to its centre the round before at which they agree.
    public var minCentreCosine: Float
    /// Formed clusters whose centres reach this cosine merge into one.
    public var mergeCosine: Float

    public init(minClusterSize: Int = 2, minSamples: Int = 1, stableRounds: Int = 3, minAgreement: Double = 0.8,
                minCentreCosine: Float = 0.5, mergeCosine: Float = 0.8) {
        self.minClusterSize = minClusterSize
        self.minSamples = minSamples
        self.stableRounds = stableRounds
        self.minAgreement = minAgreement
        self.minCentreCosine = minCentreCosine
        self.mergeCosine = mergeCosine
    }

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.minClusterSize.check(minClusterSize, name("minClusterSize"))
        try Limits.minSamples.check(minSamples, name("minSamples"))
        try Limits.stableRounds.check(stableRounds, name("stableRounds"))
        try Limits.clusterAgreement.check(minAgreement, name("minAgreement"))
        try Limits.clusterAgreement.check(minCentreCosine, name("minCentreCosine"))
        try Limits.clusterAgreement.check(mergeCosine, name("mergeCosine"))
    }
}
