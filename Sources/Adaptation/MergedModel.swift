import Models
import Tensor

extension LlamaModel {
    /// A model for decoding with `adapters`. Each SVF-adapted matrix is computed once in
    /// Float32, W' = U diag(σ') Vᵀ, plus (α/r) B A when a LoRA is on it too; it decodes as
    /// Float32 when its base matrix was, or re-quantised to the storage's `mergedFormat` (Q8_0,
    /// or Q5_0 for `.svfQ5`) when the base decodes from blocks (docs/architecture.md,
    /// departures 31 and 39). A LoRA alone on a block matrix is merged the same way when the
    /// storage is `.blocks`, and runs beside the blocks otherwise (departure 38). Training
    /// reads the Float32 W' either way, the same bits (a block model makes it again then).
    /// Every other weight array or block matrix is shared with this model (copy-on-write), so
    /// switching adapter sets never copies or reloads the base.
    public func merging(_ adapters: AdapterSet, bases: [LinearSite: SVFBasis]) -> LlamaModel {
        guard !adapters.isEmpty else { return self }
        /// What training's dense twin does at a site: take W' as merged, make it again, or add
        /// a term to W.
        enum DenseEdit: Sendable { case replace([Float]), remake, add(LowRankTerm) }
        var edits: [LinearSite: DenseEdit] = [:]
        var decoding = weights
        for site in Set(adapters.lora.keys).union(adapters.svf.keys).sorted() {
            let base = weights.layers[site.layer][site.kind]
            if adapters.svf[site] == nil || bases[site] == nil, storage.keepsLoRABeside, let lora = adapters.lora[site], let blocks = base.blocks {
                let term = lora.term
                var terms: [LowRankTerm] = []
                if case .blocksBeside(_, let earlier) = base { terms = earlier }
                decoding.layers[site.layer][site.kind] = .blocksBeside(blocks, terms + [term])
                edits[site] = .add(term)
                continue
            }
            let (outputs, inputs) = shape(site.kind)
            let format = storage.mergedFormat
            if base.format != nil && inputs % format.blockSize == 0 {
                let w = Self.merged(site, base: base, outputs: outputs, inputs: inputs, adapters: adapters, bases: bases,
                                    inIntegers: storage.mergesInIntegers)
                decoding.layers[site.layer][site.kind] = .blocks(QuantizedMatrix(format: format, outputs: outputs, inputs: inputs,
                                                                                 bytes: Quantize.bytes(w, as: GGMLType(format))))
                // Kept, the Float32 W' would hold 3.5 MB a matrix (318 MB an adapted SmolLM2)
                // that decoding never reads; training and drift make it again, the same bits.
                edits[site] = .remake
            } else {
                let w = Self.merged(site, base: base, outputs: outputs, inputs: inputs, adapters: adapters, bases: bases)
                decoding.layers[site.layer][site.kind] = .dense(w)
                edits[site] = .replace(w)
            }
        }
        let adapted = edits
        @Sendable func replacing(_ base: LlamaWeights) -> LlamaWeights {
            var weights = base
            for (site, edit) in adapted {
                switch edit {
                case .replace(let w): weights.layers[site.layer][site.kind] = .dense(w)
                case .remake:
                    let (outputs, inputs) = shape(site.kind)
                    weights.layers[site.layer][site.kind] = .dense(Self.merged(site, base: base.layers[site.layer][site.kind], outputs: outputs,
                                                                               inputs: inputs, adapters: adapters, bases: bases))
                case .add(let term):
                    var w = base.layers[site.layer][site.kind].floats
                    term.add(to: &w)
                    weights.layers[site.layer][site.kind] = .dense(w)
                }
            }
            return weights
        }
        // Training on the merged model reads the base's dense weights with these matrices in.
        return LlamaModel(config: config, weights: decoding, storage: storage) { replacing(self.denseWeights) }
    }

    /// W' at `site` in Float32: U diag(σ') Vᵀ when SVF adapts it (then `base` is not read),
    /// else `base`'s W; plus (α/r) B A when a LoRA is on it too. `inIntegers`: U diag(σ') Vᵀ from
    /// 16-bit factors (`IntegerMerge`), for blocks that re-quantise it; training never reads it.
    private static func merged(_ site: LinearSite, base: LinearWeight, outputs: Int, inputs: Int, adapters: AdapterSet,
                               bases: [LinearSite: SVFBasis], inIntegers: Bool = false) -> [Float] {
        var w: [Float]
        if let z = adapters.svf[site], let basis = bases[site] {
            let scaled = adapters.composition.scaled(basis.sigma, z)
            if inIntegers {
                w = basis.integerMerge(scaledBy: scaled)
            } else {
                let us = basis.u(scaledBy: scaled)
                // With beta 0 BLAS sets every element and reads none: the array starts uninitialised.
                w = [Float](unsafeUninitializedCapacity: outputs * inputs) { c, initialized in
                    BLAS.matmul(m: outputs, n: inputs, k: basis.rank, a: us, b: basis.vt, c: c.baseAddress!)
                    initialized = outputs * inputs
                }
            }
        } else {
            w = base.floats
        }
        adapters.lora[site]?.term.add(to: &w)
        return w
    }

    /// (outputs, inputs) of a block's linear layer.
    public func shape(_ kind: LinearKind) -> (outputs: Int, inputs: Int) {
        switch kind {
        case .q, .o: (config.width, config.width)
        case .k, .v: (config.kvWidth, config.width)
        case .gate, .up: (config.hiddenWidth, config.width)
        case .down: (config.width, config.hiddenWidth)
        }
    }
}

extension LlamaWeights.Layer {
    /// A block's linear weight by kind.
    public subscript(kind: LinearKind) -> LinearWeight {
        get {
            switch kind {
            case .q: q
            case .k: k
            case .v: v
            case .o: o
            case .gate: gate
            case .up: up
            case .down: down
            }
        }
        set {
            switch kind {
            case .q: q = newValue
            case .k: k = newValue
            case .v: v = newValue
            case .o: o = newValue
            case .gate: gate = newValue
            case .up: up = newValue
            case .down: down = newValue
            }
        }
    }
}

extension LanguageModel {
    /// This chat model with `adapters` merged into its weights (tokenizer and template shared).
    public func adapted(_ adapters: AdapterSet, bases: [LinearSite: SVFBasis]) -> LanguageModel {
        LanguageModel(path: path, model: model.merging(adapters, bases: bases), tokenizer: tokenizer, template: template, stopTokens: stopTokens)
    }
}
