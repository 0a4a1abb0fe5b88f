import Foundation

/// Picks the next token from logits: repetition penalty, then greedy or temperature with top-k
/// and top-p, drawing from a seeded `RandomSource`.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var random: RandomSource

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        self.random = RandomSource(seed: parameters.seed)
    }

    public mutating func next(logits input: [Float], history: [Int]) -> Int {
        var logits = input
        if parameters.repetitionPenalty != 1 {
            for token in Set(history.suffix(parameters.repetitionWindow)) where token < logits.count {
                logits[token] = logits[token] > 0 ? logits[token] / parameters.repetitionPenalty : logits[token] * parameters.repetitionPenalty
            }
        }
        if parameters.temperature <= 0 { return Self.argmax(logits) }

        // Only top-k and top-p need the candidates ranked; plain temperature sampling draws
        // over all tokens in id order (sorting 49k logits per token is most of a step).
        let ranked = parameters.topK > 0 || parameters.topP < 1
        var candidates = ranked ? Self.ranking(logits) : Array(logits.indices)
        if parameters.topK > 0 { candidates = Array(candidates.prefix(parameters.topK)) }
        let top = ranked ? logits[candidates[0]] : logits.max()!
        var weights = candidates.map { Double(expf((logits[$0] - top) / parameters.temperature)) }
        let total = weights.reduce(0, +)
        if parameters.topP < 1 {
            var cumulative = 0.0
            var keep = 0
            while keep < weights.count {
                cumulative += weights[keep] / total
                keep += 1
                if cumulative >= Double(parameters.topP) { break }
            }
            candidates.removeLast(candidates.count - keep)
            weights.removeLast(weights.count - keep)
        }
        var draw = random.unit() * weights.reduce(0, +)
        for (candidate, weight) in zip(candidates, weights) {
            draw -= weight
            if draw < 0 { return candidate }
        }
        return candidates[candidates.count - 1]
    }

    /// Token ids by logit, largest first, lower ids first among equal logits. Sorted as one
    /// integer per token, the logit's order-preserving bits above the id, which is the same
    /// order as comparing the floats and ids but several times faster than sorting ids with a
    /// closure that reads the logits (the sort was most of a sampled step). -0 counts as +0,
    /// as it compares equal.
    public static func ranking(_ logits: [Float]) -> [Int] {
        var keys = logits.indices.map { id -> UInt64 in
            let bits = (logits[id] + 0).bitPattern
            // Ascending order of floats as unsigned integers, then flipped for largest first.
            let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            return UInt64(~ascending) << 32 | UInt64(id)
        }
        keys.sort()
        return keys.map { Int($0 & 0xFFFF_FFFF) }
    }

    /// The index of the largest value (the first, on ties).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
