import Models

/// A low-rank update of one linear layer: W' = W + (alpha / rank) · B · A, with A (rank × in)
/// random and B (out × rank) zero at start, so a new adapter changes nothing.
public struct LoRA: Sendable, Equatable {
    public var rank: Int
    public var alpha: Float
    public var inputs: Int
    public var outputs: Int
    public var a: [Float]
    public var b: [Float]

    public var scale: Float { alpha / Float(rank) }

    /// An adapter with the given factors (an imported one): A rank × inputs, B outputs × rank.
    public init(rank: Int, alpha: Float, inputs: Int, outputs: Int, a: [Float], b: [Float]) {
        precondition(a.count == rank * inputs && b.count == outputs * rank, "LoRA factors of the wrong size")
        self.rank = rank
        self.alpha = alpha
        self.inputs = inputs
        self.outputs = outputs
        self.a = a
        self.b = b
    }

    /// A fresh adapter; A is uniform in ±1/√inputs from `seed`.
    public init(rank: Int, alpha: Float, inputs: Int, outputs: Int, seed: UInt64) {
        self.rank = rank
        self.alpha = alpha
        self.inputs = inputs
        self.outputs = outputs
        var random = RandomSource(seed: seed)
        let bound = 1 / Float(inputs).squareRoot()
        a = (0..<(rank * inputs)).map { _ in (Float(random.unit()) * 2 - 1) * bound }
        b = [Float](repeating: 0, count: outputs * rank)
    }
}

extension LoRA {
    /// The update as a term beside a matrix: scale · B · A.
    public var term: LowRankTerm { LowRankTerm(rank: rank, scale: scale, a: a, b: b) }
}
