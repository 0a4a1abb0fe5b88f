/// How the next token is chosen. Recorded with every interaction, so an answer can be
/// reproduced from its seed.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// 0 means greedy (the most likely token, ties to the lowest id).
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all.
    public var topP: Float
    /// Divide positive (multiply negative) logits of recently generated tokens by this; 1 is off.
    public var repetitionPenalty: Float
    /// How many recent tokens the penalty looks at.
    public var repetitionWindow: Int
    public var seed: UInt64
    public var maxTokens: Int
    /// Generation stops when the text ends with one of these (which is then cut off).
    public var stop: [String]

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, repetitionPenalty: Float = 1,
                repetitionWindow: Int = 64, seed: UInt64 = 0, maxTokens: Int = 128, stop: [String] = []) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
        self.maxTokens = maxTokens
        self.stop = stop
    }
}
