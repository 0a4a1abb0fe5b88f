import Foundation
import Models
import Tensor

/// What one training pass computed.
public struct TrainingResult: Sendable {
    /// Σ -weight · log p(token) over the scored tokens.
    public var loss: Float
    /// log p(token) of each scored token, in order.
    public var logProbabilities: [Float]
    public var gradients: AdapterGradients
    /// dLoss / d(input embeddings), T × width (for gradient checks).
    public var embeddingGradient: [Float]
}

/// A whole-sequence forward pass of a Llama model with adapters that keeps the activations,
/// and the reverse-mode pass that turns the loss into adapter gradients. Each block's forward
/// is written top to bottom in `forward`, and its backward bottom to top in `backward`.
/// Memory: the activations of every block, including T×T attention weights per head, which
/// is bounded for the few hundred tokens of one interaction.
public struct TrainingPass {
    public let model: LlamaModel
    public let bases: [LinearSite: SVFBasis]
    public let adapters: AdapterSet
    /// The model's weights as dense Float32 (dequantised once per model when it decodes from
    /// blocks): gradients are exact Float32 whatever the decoding reads.
    let weights: LlamaWeights
    /// What the forward's products with the linear layers and the head run on (x · Wᵀ; the
    /// attention's and the backward's run on OpenBLAS).
    public let products: TrainingProducts

    public init(model: LlamaModel, bases: [LinearSite: SVFBasis] = [:], adapters: AdapterSet, products: TrainingProducts = .openBLAS) {
        self.model = model
        self.bases = bases
        self.adapters = adapters
        self.weights = model.denseWeights
        self.products = products
    }

    /// What one block keeps for its backward pass.
    struct BlockTape {
        var input: [Float], attentionNormed: [Float]
        var q: LinearTape, k: LinearTape, v: LinearTape, o: LinearTape
        var queries: [Float], keys: [Float], values: [Float], probabilities: [Float]
        var middle: [Float]
        var gate: LinearTape, up: LinearTape, down: LinearTape
        var gateOut: [Float], upOut: [Float]
    }

    /// The full log-softmax row (vocabulary-sized) at each of `positions`: a reference for
    /// the KL penalty, usually computed with the base model (no adapters).
    public func logProbabilityRows(tokens: [Int], positions: [Int]) -> [[Float]] {
        var rows: [[Float]] = []
        _ = run(tokens: tokens, scored: positions.map { ScoredToken(position: $0, token: 0, weight: 0) }, backward: false, keepRows: true, rows: &rows)
        return rows
    }

    /// Runs the sequence, scores `scored`, and (with `backward`) computes the gradients.
    /// `embeddings` replaces the token embedding lookup (T × width), for gradient checks.
    /// With `reference` (one log-softmax row per scored token) the loss adds
    /// klWeight · KL(p ‖ reference) at each scored position, which keeps the adapted model
    /// near the model the reference came from.
    public func run(tokens: [Int], scored: [ScoredToken], embeddings: [Float]? = nil, backward: Bool = true,
                    reference: [[Float]]? = nil, klWeight: Float = 0) -> TrainingResult {
        var unused: [[Float]] = []
        return run(tokens: tokens, scored: scored, embeddings: embeddings, backward: backward, reference: reference, klWeight: klWeight,
                   keepRows: false, rows: &unused)
    }

    private func run(tokens: [Int], scored: [ScoredToken], embeddings: [Float]? = nil, backward: Bool,
                     reference: [[Float]]? = nil, klWeight: Float = 0, keepRows: Bool, rows keptRows: inout [[Float]]) -> TrainingResult {
        precondition(reference == nil || reference!.count == scored.count, "one reference row per scored token")
        let c = model.config
        let t = tokens.count, e = c.width
        precondition(t > 0 && scored.allSatisfy { $0.position >= 0 && $0.position < t && $0.token >= 0 && $0.token < c.vocabularySize })
        let rope = Rope(config: c)
        let (cosines, sines) = rope.tables(start: 0, count: t)

        // Forward.
        let table = embeddings == nil ? weights.tokenEmbedding.floats : []
        var x = embeddings ?? tokens.flatMap { table[($0 * e)..<(($0 + 1) * e)] }
        var tapes: [BlockTape] = []
        for (l, layer) in weights.layers.enumerated() {
            let (tape, output) = forward(block: l, layer: layer, x: x, rope: rope, cosines: cosines, sines: sines)
            tapes.append(tape)
            x = output
        }
        let rows = scored.map(\.position)
        var finalNormed = [Float](repeating: 0, count: rows.count * e)
        x.withUnsafeBufferPointer { xs in
            for (i, p) in rows.enumerated() {
                finalNormed.withUnsafeMutableBufferPointer { out in
                    Ops.rmsNorm(xs.baseAddress! + p * e, rows: 1, width: e, weight: weights.outputNorm, eps: c.rmsEpsilon,
                                into: out.baseAddress! + i * e)
                }
            }
        }
        let head = (weights.output ?? weights.tokenEmbedding).floats
        var logits = [Float](repeating: 0, count: rows.count * c.vocabularySize)
        products.multiplyBT(m: rows.count, n: c.vocabularySize, k: e, a: finalNormed, b: head, c: &logits)

        // Loss: -Σ w log softmax(logits)[token]; its gradient on the logits is w (p - onehot).
        var loss: Float = 0
        var logProbabilities: [Float] = []
        logits.withUnsafeMutableBufferPointer { all in
            for (i, item) in scored.enumerated() {
                let row = all.baseAddress! + i * c.vocabularySize
                // log p = logit - max - log Σ exp(logit - max): exact even where p underflows.
                var maximum = -Float.infinity
                for j in 0..<c.vocabularySize { maximum = max(maximum, row[j]) }
                var sum: Float = 0
                for j in 0..<c.vocabularySize { sum += expf(row[j] - maximum) }
                let logSum = maximum + logf(sum)
                let logProbability = row[item.token] - logSum
                logProbabilities.append(logProbability)
                loss -= item.weight * logProbability
                if keepRows { keptRows.append((0..<c.vocabularySize).map { row[$0] - logSum }) }
                guard backward || reference != nil else { continue }
                // KL(p ‖ q) = Σ p (log p - log q); its gradient on the logits is p ⊙ (log p - log q - KL).
                var klTerms: [Float] = []
                if let q = reference?[i], klWeight != 0 {
                    klTerms = (0..<c.vocabularySize).map { row[$0] - logSum - q[$0] }
                }
                Ops.softmax(row, count: c.vocabularySize)
                var kl: Float = 0
                if !klTerms.isEmpty {
                    for j in 0..<c.vocabularySize { kl += row[j] * klTerms[j] }
                    loss += klWeight * kl
                }
                for j in 0..<c.vocabularySize {
                    let probability = row[j]
                    row[j] = probability * item.weight + (klTerms.isEmpty ? 0 : klWeight * probability * (klTerms[j] - kl))
                }
                row[item.token] -= item.weight
            }
        }
        var gradients = AdapterGradients()
        guard backward else {
            return TrainingResult(loss: loss, logProbabilities: logProbabilities, gradients: gradients, embeddingGradient: [])
        }

        // Backward.
        var dFinalNormed = [Float](repeating: 0, count: rows.count * e)
        BLAS.matmul(m: rows.count, n: e, k: c.vocabularySize, a: logits, b: head, c: &dFinalNormed)
        var dx = [Float](repeating: 0, count: t * e)
        x.withUnsafeBufferPointer { xs in
            dFinalNormed.withUnsafeBufferPointer { dn in
                dx.withUnsafeMutableBufferPointer { out in
                    for (i, p) in rows.enumerated() {
                        Ops.rmsNormBackward(xs.baseAddress! + p * e, rows: 1, width: e, weight: weights.outputNorm, eps: c.rmsEpsilon,
                                            dy: dn.baseAddress! + i * e, into: out.baseAddress! + p * e, accumulate: true)
                    }
                }
            }
        }
        // Blocks in reverse; each tape is released once its block is done.
        while let tape = tapes.popLast() {
            dx = self.backward(block: tape, layer: weights.layers[tapes.count], dOutput: dx, rope: rope,
                               cosines: cosines, sines: sines, gradients: &gradients)
        }
        return TrainingResult(loss: loss, logProbabilities: logProbabilities, gradients: gradients, embeddingGradient: dx)
    }

    /// The linear `kind` of block `l` with its adapters, over `input` (rows × the layer's inputs).
    private func tape(_ l: Int, _ kind: LinearKind, input: [Float]) -> LinearTape {
        let site = LinearSite(layer: l, kind: kind)
        let (outputs, inputs) = model.shape(kind)
        return LinearTape(site: site, input: input, rows: input.count / inputs, inputs: inputs, outputs: outputs,
                          weight: weights.layers[l][kind].floats, basis: bases[site], z: adapters.svf[site],
                          composition: adapters.composition, lora: adapters.lora[site], products: products)
    }

    private func forward(block l: Int, layer: LlamaWeights.Layer, x: [Float], rope: Rope, cosines: [Float], sines: [Float]) -> (BlockTape, [Float]) {
        let c = model.config
        let (t, e, kv, hd, f) = (x.count / c.width, c.width, c.kvWidth, c.headDim, c.hiddenWidth)
        var normed = [Float](repeating: 0, count: t * e)
        Ops.rmsNorm(x, rows: t, width: e, weight: layer.attentionNorm, eps: c.rmsEpsilon, into: &normed)
        var qTape = tape(l, .q, input: normed)
        var kTape = tape(l, .k, input: normed)
        var vTape = tape(l, .v, input: normed)
        var q = qTape.forward(), k = kTape.forward(), v = vTape.forward()
        if let bias = layer.qBias { Ops.addRows(&q, rows: t, bias: bias, width: e) }
        if let bias = layer.kBias { Ops.addRows(&k, rows: t, bias: bias, width: kv) }
        if let bias = layer.vBias { Ops.addRows(&v, rows: t, bias: bias, width: kv) }
        rope.rotate(&q, rows: t, heads: c.heads, cosines: cosines, sines: sines)
        rope.rotate(&k, rows: t, heads: c.kvHeads, cosines: cosines, sines: sines)

        // Causal attention per head; the probabilities are kept for the backward pass.
        var probabilities = [Float](repeating: 0, count: c.heads * t * t)
        var attended = [Float](repeating: 0, count: t * e)
        let scale = 1 / Float(hd).squareRoot(), group = c.heads / c.kvHeads
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    probabilities.withUnsafeMutableBufferPointer { pp in
                        attended.withUnsafeMutableBufferPointer { out in
                            for head in 0..<c.heads {
                                let kvHead = head / group, p = pp.baseAddress! + head * t * t
                                BLAS.matmulBT(m: t, n: t, k: hd, alpha: scale, a: qp.baseAddress! + head * hd, lda: e,
                                              b: kp.baseAddress! + kvHead * hd, ldb: kv, c: p)
                                for row in 0..<t {
                                    for col in (row + 1)..<max(row + 1, t) { p[row * t + col] = 0 }
                                    Ops.softmax(p + row * t, count: row + 1)
                                }
                                BLAS.matmul(m: t, n: hd, k: t, a: p, b: vp.baseAddress! + kvHead * hd, ldb: kv,
                                            c: out.baseAddress! + head * hd, ldc: e)
                            }
                        }
                    }
                }
            }
        }
        var oTape = tape(l, .o, input: attended)
        var middle = x
        Ops.add(&middle, oTape.forward(), count: t * e)

        var normed2 = [Float](repeating: 0, count: t * e)
        Ops.rmsNorm(middle, rows: t, width: e, weight: layer.ffnNorm, eps: c.rmsEpsilon, into: &normed2)
        var gateTape = tape(l, .gate, input: normed2)
        var upTape = tape(l, .up, input: normed2)
        let gateOut = gateTape.forward(), upOut = upTape.forward()
        var activated = gateOut
        Ops.swiglu(gate: &activated, up: upOut, count: t * f)
        var downTape = tape(l, .down, input: activated)
        var output = middle
        Ops.add(&output, downTape.forward(), count: t * e)

        let blockTape = BlockTape(input: x, attentionNormed: normed, q: qTape, k: kTape, v: vTape, o: oTape,
                                  queries: q, keys: k, values: v, probabilities: probabilities, middle: middle,
                                  gate: gateTape, up: upTape, down: downTape, gateOut: gateOut, upOut: upOut)
        return (blockTape, output)
    }

    /// The block's backward pass, bottom to top: returns d(block input).
    private func backward(block tape: BlockTape, layer: LlamaWeights.Layer, dOutput: [Float], rope: Rope,
                          cosines: [Float], sines: [Float], gradients: inout AdapterGradients) -> [Float] {
        let c = model.config
        let (t, e, kv, hd, f) = (dOutput.count / c.width, c.width, c.kvWidth, c.headDim, c.hiddenWidth)
        let composition = adapters.composition

        // MLP: output = middle + down(swiglu(gate(n2), up(n2))), n2 = rmsNorm(middle).
        let dActivated = tape.down.backward(dOutput, composition: composition, gradients: &gradients)
        var dGate = [Float](repeating: 0, count: t * f), dUp = dGate
        Ops.swigluBackward(gate: tape.gateOut, up: tape.upOut, dOut: dActivated, dGate: &dGate, dUp: &dUp, count: t * f)
        var dNormed2 = tape.gate.backward(dGate, composition: composition, gradients: &gradients)
        Ops.add(&dNormed2, tape.up.backward(dUp, composition: composition, gradients: &gradients), count: t * e)
        var dMiddle = dOutput
        Ops.rmsNormBackward(tape.middle, rows: t, width: e, weight: layer.ffnNorm, eps: c.rmsEpsilon, dy: dNormed2, into: &dMiddle, accumulate: true)

        // Attention: middle = input + o(attention(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rmsNorm(input).
        let dAttended = tape.o.backward(dMiddle, composition: composition, gradients: &gradients)
        var dq = [Float](repeating: 0, count: t * e), dk = [Float](repeating: 0, count: t * kv), dv = dk
        var dScores = [Float](repeating: 0, count: t * t)
        let scale = 1 / Float(hd).squareRoot(), group = c.heads / c.kvHeads
        for head in 0..<c.heads {
            let kvHead = head / group
            tape.probabilities.withUnsafeBufferPointer { pp in
                let p = pp.baseAddress! + head * t * t
                dAttended.withUnsafeBufferPointer { da in
                    // dP = dO · Vᵀ;  dV += Pᵀ · dO
                    tape.values.withUnsafeBufferPointer { vp in
                        BLAS.matmulBT(m: t, n: t, k: hd, a: da.baseAddress! + head * hd, lda: e, b: vp.baseAddress! + kvHead * hd, ldb: kv, c: &dScores)
                    }
                    dv.withUnsafeMutableBufferPointer { out in
                        BLAS.matmulAT(m: t, n: hd, k: t, a: p, b: da.baseAddress! + head * hd, ldb: e, beta: 1, c: out.baseAddress! + kvHead * hd, ldc: kv)
                    }
                }
                // dS = softmax backward, row by row over the visible positions.
                dScores.withUnsafeMutableBufferPointer { ds in
                    for row in 0..<t {
                        Ops.softmaxBackward(p + row * t, ds.baseAddress! + row * t, count: row + 1)
                        for col in (row + 1)..<max(row + 1, t) { ds[row * t + col] = 0 }
                    }
                }
            }
            // S = scale · Q · Kᵀ:  dQ = scale · dS · K;  dK += scale · dSᵀ · Q
            tape.keys.withUnsafeBufferPointer { kp in
                dq.withUnsafeMutableBufferPointer { out in
                    BLAS.matmul(m: t, n: hd, k: t, alpha: scale, a: dScores, b: kp.baseAddress! + kvHead * hd, ldb: kv, c: out.baseAddress! + head * hd, ldc: e)
                }
            }
            tape.queries.withUnsafeBufferPointer { qp in
                dk.withUnsafeMutableBufferPointer { out in
                    BLAS.matmulAT(m: t, n: hd, k: t, alpha: scale, a: dScores, b: qp.baseAddress! + head * hd, ldb: e, beta: 1, c: out.baseAddress! + kvHead * hd, ldc: kv)
                }
            }
        }
        rope.rotate(&dq, rows: t, heads: c.heads, cosines: cosines, sines: sines, inverse: true)
        rope.rotate(&dk, rows: t, heads: c.kvHeads, cosines: cosines, sines: sines, inverse: true)
        var dNormed1 = tape.q.backward(dq, composition: composition, gradients: &gradients)
        Ops.add(&dNormed1, tape.k.backward(dk, composition: composition, gradients: &gradients), count: t * e)
        Ops.add(&dNormed1, tape.v.backward(dv, composition: composition, gradients: &gradients), count: t * e)
        var dInput = dMiddle
        Ops.rmsNormBackward(tape.input, rows: t, width: e, weight: layer.attentionNorm, eps: c.rmsEpsilon, dy: dNormed1, into: &dInput, accumulate: true)
        return dInput
    }
}
