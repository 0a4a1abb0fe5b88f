import Models
import Tensor

extension LlamaModel {
    /// A model for decoding with `adapters`: each adapted matrix is computed once in Float32,
    /// W' = U diag(σ') Vᵀ for SVF and W' += (α/r) B A for LoRA, and decodes as Float32 when
    /// its base matrix was, or re-quantised to Q8_0 blocks when the base decodes from blocks
    /// (docs/architecture.md, departure 31). Training reads the Float32 W'. Every other weight
    /// array or block matrix is shared with this model (copy-on-write), so switching adapter
    /// sets never copies or reloads the base.
    public func merging(_ adapters: AdapterSet, bases: [LinearSite: SVFBasis]) -> LlamaModel {
        guard !adapters.isEmpty else { return self }
        var merged: [LinearSite: [Float]] = [:]
        let sites = Set(adapters.lora.keys).union(adapters.svf.keys).sorted()
        for site in sites {
            var w = weights.layers[site.layer][site.kind].floats
            let (outputs, inputs) = shape(site.kind)
            if let z = adapters.svf[site], let basis = bases[site] {
                let scaled = adapters.composition.scaled(basis.sigma, z)
                var us = basis.u
                for r in 0..<outputs { for i in 0..<basis.rank { us[r * basis.rank + i] *= scaled[i] } }
                BLAS.matmul(m: outputs, n: inputs, k: basis.rank, a: us, b: basis.vt, c: &w)
            }
            if let lora = adapters.lora[site] {
                BLAS.matmul(m: outputs, n: inputs, k: lora.rank, alpha: lora.scale, a: lora.b, b: lora.a, beta: 1, c: &w)
            }
            merged[site] = w
        }
        let adapted = merged
        var decoding = weights
        for (site, w) in adapted {
            let (outputs, inputs) = shape(site.kind)
            let quantised = weights.layers[site.layer][site.kind].format != nil && inputs % BlockFormat.q8_0.blockSize == 0
            decoding.layers[site.layer][site.kind] = quantised
                ? .blocks(QuantizedMatrix(format: .q8_0, outputs: outputs, inputs: inputs, bytes: Quantize.bytes(w, as: .q8_0))) : .dense(w)
        }
        @Sendable func replacing(_ base: LlamaWeights) -> LlamaWeights {
            var weights = base
            for (site, w) in adapted { weights.layers[site.layer][site.kind] = .dense(w) }
            return weights
        }
        // Training on the merged model reads the base's dense weights with these matrices in.
        return LlamaModel(config: config, weights: decoding) { replacing(self.denseWeights) }
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
