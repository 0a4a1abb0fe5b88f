/// The losses GESAL learns with, as weights on the response's tokens. The sequence is
/// prompt + response; the logits at position p predict token p + 1.
public enum Objective {
    /// GESAL's REINFORCE: loss = -r · mean log p(y | x) over the response tokens only, doubled
    /// when r < 0 (rewards +1 / -2), so a rejected answer is pushed away harder.
    public static func reinforce(promptLength: Int, response: [Int], reward: Float) -> [ScoredToken] {
        let factor: Float = reward < 0 ? 2 : 1
        return scored(promptLength: promptLength, response: response, weight: factor * reward / Float(max(response.count, 1)))
    }

    /// Supervised fine-tuning: loss = -mean log p(y | x) over the response tokens.
    public static func supervised(promptLength: Int, response: [Int]) -> [ScoredToken] {
        scored(promptLength: promptLength, response: response, weight: 1 / Float(max(response.count, 1)))
    }

    private static func scored(promptLength: Int, response: [Int], weight: Float) -> [ScoredToken] {
        precondition(promptLength >= 1, "the first response token is predicted by the last prompt token")
        return response.enumerated().map { ScoredToken(position: promptLength + $0.offset - 1, token: $0.element, weight: weight) }
    }
}
