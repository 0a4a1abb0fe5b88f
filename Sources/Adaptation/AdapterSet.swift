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

    /// The first site (in site order) holding a NaN or an infinity: a step that produced one
    /// must not be kept.
    public func firstNonFiniteSite() -> LinearSite? {
        let svfBad = svf.filter { !$0.value.allSatisfy(\.isFinite) }.keys
        let loraBad = lora.filter { !($0.value.a.allSatisfy(\.isFinite) && $0.value.b.allSatisfy(\.isFinite)) }.keys
        return (Array(svfBad) + Array(loraBad)).min()
    }
}

/// Gradients with the same shape as an `AdapterSet`.
public struct AdapterGradients: Sendable {
    public var loraA: [LinearSite: [Float]] = [:]
    public var loraB: [LinearSite: [Float]] = [:]
    public var svf: [LinearSite: [Float]] = [:]

    public init() {}
}
