/// How a loaded model holds its weight matrices, and so what its answers are computed from.
/// A store records it (`StoreCreated.weights`), since re-executed searches generate answers.
public enum WeightStorage: String, Sendable, Codable, CaseIterable {
    /// Dequantised to Float32 at load (every store before quantised decoding).
    case float32
    /// Quantised matrices kept in their file's block format (`QuantizedMatrix`), multiplied
    /// block by block: the same bits on every kernel and CPU. Training still reads Float32,
    /// dequantised once (`LlamaModel.denseWeights`). An adapted matrix is merged in Float32
    /// and re-quantised to Q8_0 (the stores made before `loraBeside`).
    case blocks
    /// As `blocks`, but a LoRA on a block matrix runs beside it, W·x + s·B·(A·x), instead of
    /// being merged and re-quantised: a LoRA-adapted step reads the base's bytes plus the
    /// small factors, and the blocks keep their values. SVF still merges and re-quantises
    /// (docs/architecture.md, departure 38). The default for new stores.
    case loraBeside = "blocks-lora-beside"

    /// Whether quantised matrices stay in their blocks.
    public var keepsBlocks: Bool { self != .float32 }
}
