/// The adapters a model runs with: at most one LoRA and one SVF vector per linear layer.
public struct AdapterSet: Sendable, Equatable {
    public var lora: [LinearSite: LoRA] = [:]
    /// z vectors, applied to the bases the model's `SVFBases` hold.
    public var svf: [LinearSite: [Float]] = [:]
    public var composition: SVFComposition = .gesal

    public init(lora: [LinearSite: LoRA] = [:], svf: [LinearSite: [Float]] = [:], composition: SVFComposition = .gesal) {
        self.lora = lora
        self.svf = svf
        self.composition = composition
    }

    public var isEmpty: Bool { lora.isEmpty && svf.isEmpty }
}

/// Gradients with the same shape as an `AdapterSet`.
public struct AdapterGradients: Sendable {
    public var loraA: [LinearSite: [Float]] = [:]
    public var loraB: [LinearSite: [Float]] = [:]
    public var svf: [LinearSite: [Float]] = [:]

    public init() {}
}
