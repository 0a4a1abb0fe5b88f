/// SAGE's buffer as events (docs/events.md, docs/sage.md). A sample enters when the trigger
/// fired on its interaction; each entry runs one clustering round over the whole buffer, whose
/// changes to the formed clusters follow in the same record. The round is a pure function of
/// the buffer, so the projection recomputes it and refuses a cluster event it does not make.

/// An interaction the trigger fired on joined the buffer. Its prompt's embedding is the
/// interaction's own (`InteractionRecorded`), so the event names it and carries nothing else.
public struct BufferSampleAdded: Sendable, Equatable, Codable {
    public static let typeName = "BufferSampleAdded.v1"
    public var interaction: Int

    public init(interaction: Int) {
        self.interaction = interaction
    }
}

/// A candidate held for `rounds` consecutive rounds, each agreeing with the one before: it is
/// a cluster now, numbered `cluster`.
public struct ClusterFormed: Sendable, Equatable, Codable {
    public static let typeName = "ClusterFormed.v1"
    public var cluster: Int
    /// Interactions, in the order they entered the buffer.
    public var members: [Int]
    /// The mean of the members' prompt embeddings.
    public var centre: Vector
    /// The lowest adjusted Rand index and centre cosine between consecutive rounds.
    public var agreement: Double
    public var centreCosine: Float
    public var rounds: Int

    public init(cluster: Int, members: [Int], centre: Vector, agreement: Double, centreCosine: Float, rounds: Int) {
        self.cluster = cluster
        self.members = members
        self.centre = centre
        self.agreement = agreement
        self.centreCosine = centreCosine
        self.rounds = rounds
    }
}

/// A round's cluster that holds most of a formed cluster's members has other members: the
/// formed cluster takes them (it grew, or lost some to noise).
public struct ClusterUpdated: Sendable, Equatable, Codable {
    public static let typeName = "ClusterUpdated.v1"
    public var cluster: Int
    public var members: [Int]
    public var centre: Vector

    public init(cluster: Int, members: [Int], centre: Vector) {
        self.cluster = cluster
        self.members = members
        self.centre = centre
    }
}

/// Formed clusters became one, numbered `into`; the sources end.
public struct ClustersMerged: Sendable, Equatable, Codable {
    public static let typeName = "ClustersMerged.v1"
    public enum Reason: String, Sendable, Codable {
        /// One cluster of the round holds most of each source's members.
        case sameRoundCluster
        /// Their centres reached the store's merge cosine.
        case closeCentres
    }
    public var sources: [Int]
    public var into: Int
    public var members: [Int]
    public var centre: Vector
    public var reason: Reason

    public init(sources: [Int], into: Int, members: [Int], centre: Vector, reason: Reason) {
        self.sources = sources
        self.into = into
        self.members = members
        self.centre = centre
        self.reason = reason
    }
}

/// A formed cluster that no round held for `rounds` consecutive rounds ends. Its members stay
/// in the buffer for later rounds.
public struct ClusterDissolved: Sendable, Equatable, Codable {
    public static let typeName = "ClusterDissolved.v1"
    public var cluster: Int
    public var rounds: Int

    public init(cluster: Int, rounds: Int) {
        self.cluster = cluster
        self.rounds = rounds
    }
}
