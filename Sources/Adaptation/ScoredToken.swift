/// A token whose log-probability enters the loss: the logits at `position` predict `token`,
/// and the loss adds -weight · log p(token).
public struct ScoredToken: Sendable, Equatable {
    public var position: Int
    public var token: Int
    public var weight: Float

    public init(position: Int, token: Int, weight: Float) {
        self.position = position
        self.token = token
        self.weight = weight
    }
}
