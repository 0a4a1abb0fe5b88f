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

extension AdapterSet {
    /// This set with `other`'s LoRAs added on top (SAGE's cluster adapter over a node's): the
    /// SVF vectors are this set's, and a site both adapt gets one LoRA of the two ranks
    /// together, A stacked and B side by side with each scale folded in, so its update
    /// s₁B₁A₁ + s₂B₂A₂ is the sum of both.
    public func stacking(_ other: AdapterSet) -> AdapterSet {
        var result = self
        for (site, top) in other.lora {
            guard let below = lora[site] else {
                result.lora[site] = top
                continue
            }
            precondition(below.inputs == top.inputs && below.outputs == top.outputs, "LoRAs of one site differ in shape")
            let rank = below.rank + top.rank
            var b = [Float](repeating: 0, count: below.outputs * rank)
            for row in 0..<below.outputs {
                for k in 0..<below.rank { b[row * rank + k] = below.b[row * below.rank + k] * below.scale }
                for k in 0..<top.rank { b[row * rank + below.rank + k] = top.b[row * top.rank + k] * top.scale }
            }
            result.lora[site] = LoRA(rank: rank, alpha: Float(rank), inputs: below.inputs, outputs: below.outputs, a: below.a + top.a, b: b)
        }
        return result
    }
}
