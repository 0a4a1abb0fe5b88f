/// How a loaded model holds its weight matrices, and so what its answers are computed from.
/// A store records it (`StoreCreated.weights`), since re-executed searches generate answers.
public enum WeightStorage: String, Sendable, Codable, CaseIterable {
    /// Dequantised to Float32 at load (every store before quantised decoding).
    case float32
    /// Quantised matrices kept in their file's block format (`QuantizedMatrix`), multiplied
    /// block by block: the same bits on every kernel and CPU. Training still reads Float32,
    /// dequantised once (`LlamaModel.denseWeights`).
    case blocks
}
