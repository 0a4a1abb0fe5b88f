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
    /// to Q8_0 (docs/architecture.md, departure 38). The default for new stores from
    /// 2026-12-06 to `svfInt16`.
    case loraBeside = "blocks-lora-beside"
    /// As `loraBeside`, but an SVF-merged matrix is re-quantised to Q5_0, not Q8_0: 0.69
    /// bytes a weight instead of 1.06, against the file's Q4_1 at 0.63, and an SVF-adapted
    /// answer keeps what was learned (docs/architecture.md, departure 39). But the coarser
    /// rounding alone moves answers: through an identity SVF vector on every MLP matrix, 34 of
    /// 212 right control answers went wrong against 4 with Q8_0 (`gesal-bench merge-noise`,
    /// departure 40), so it is a choice for speed, no longer the default.
    case svfQ5 = "blocks-svf-q5"
    /// As `loraBeside`, but an SVF merge U diag(σ') Vᵀ is computed from its factors rounded to
    /// 16-bit integers, with exact integer sums (`IntegerMerge`), before the Q8_0 re-quantisation:
    /// about twice as fast as Float32's `sgemm` on VNNI, and the same bits on every CPU and
    /// thread count. Training still reads the Float32 merge (docs/architecture.md, departure 43).
    /// The default for new stores.
    case svfInt16 = "blocks-svf-int16"

    /// What a new store, `gesal generate` and the benchmarks use unless told otherwise.
    public static let defaultForNewStores = WeightStorage.svfInt16

    /// Whether quantised matrices stay in their blocks.
    public var keepsBlocks: Bool { self != .float32 }

    /// Whether a LoRA alone on a block matrix runs beside its blocks rather than merging.
    public var keepsLoRABeside: Bool { self == .loraBeside || self == .svfQ5 || self == .svfInt16 }

    /// Whether an SVF merge into blocks runs on 16-bit integer factors (`IntegerMerge`).
    public var mergesInIntegers: Bool { self == .svfInt16 }

    /// The format a merged block matrix is re-quantised to.
    public var mergedFormat: BlockFormat { self == .svfQ5 ? .q5_0 : .q8_0 }
}
