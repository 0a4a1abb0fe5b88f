import Foundation
import Models

/// An adapter set as a LoRA in PEFT's format (`adapter_model.safetensors` and
/// `adapter_config.json`), for the Hugging Face copy of the same base model.
///
/// An SVF adapter changes a matrix by ΔW = U diag(σ' − σ) Vᵀ, which is a LoRA with
/// B = U diag(σ' − σ) and A = Vᵀ at the basis' full rank: exact, but as large as the matrix.
/// With `rank`, each matrix keeps its `rank` largest changes |σ'ᵢ − σᵢ|; what that drops is
/// reported as the relative Frobenius error over all matrices (U and V are orthonormal, so it
/// is the norm of the dropped changes over the norm of all of them). A LoRA in the set (an
/// imported one) is written exactly, beside the SVF change at its site.
public enum PEFTExport {
    /// One adapted matrix's LoRA: ΔW ≈ B·A, row-major, A rank × inputs and B outputs × rank.
    public struct Pair: Sendable {
        public var site: LinearSite
        public var rank: Int
        public var inputs: Int
        public var outputs: Int
        public var a: [Float]
        public var b: [Float]
    }

    public struct Result {
        public var pairs: [Pair]
        public var config: [String: Any]
        public var rank: Int
        /// ‖ΔW − BA‖ / ‖ΔW‖ over every adapted matrix; 0 at full rank.
        public var relativeError: Double

        /// PEFT's tensors: `….lora_A.weight` [r, in] and `….lora_B.weight` [out, r] per matrix.
        public var tensors: [SafetensorsWriter.Tensor] {
            pairs.flatMap { pair in [
                SafetensorsWriter.Tensor(name: module(pair.site) + ".lora_A.weight", shape: [pair.rank, pair.inputs], values: pair.a),
                SafetensorsWriter.Tensor(name: module(pair.site) + ".lora_B.weight", shape: [pair.outputs, pair.rank], values: pair.b),
            ] }
        }
    }

    /// A Llama block's linear layers by the two names exports need: Hugging Face's module path
    /// (PEFT) and llama.cpp's tensor name (GGUF).
    static let names: [LinearKind: (huggingFace: String, gguf: String)] = [
        .q: ("self_attn.q_proj", "attn_q"), .k: ("self_attn.k_proj", "attn_k"), .v: ("self_attn.v_proj", "attn_v"),
        .o: ("self_attn.o_proj", "attn_output"), .gate: ("mlp.gate_proj", "ffn_gate"), .up: ("mlp.up_proj", "ffn_up"),
        .down: ("mlp.down_proj", "ffn_down"),
    ]

    /// llama.cpp's name of a Llama block's linear weight, as its GGUF files name it.
    public static func ggufName(_ site: LinearSite) -> String {
        "blk.\(site.layer).\(names[site.kind]!.gguf).weight"
    }

    /// Hugging Face's module path of a Llama block's linear layer.
    static func module(_ site: LinearSite) -> String {
        "base_model.model.model.layers.\(site.layer).\(names[site.kind]!.huggingFace)"
    }

    public static func lora(_ adapters: AdapterSet, bases: [LinearSite: SVFBasis], rank requested: Int?, baseModel: String) -> Result {
        var pairs: [Pair] = []
        var dropped = 0.0, total = 0.0
        for site in adapters.svf.keys.sorted() {
            guard let z = adapters.svf[site], let basis = bases[site] else { continue }
            let delta = zip(adapters.composition.scaled(basis.sigma, z), basis.sigma).map { $0 - $1 }
            let order = delta.indices.sorted { abs(delta[$0]) > abs(delta[$1]) || (abs(delta[$0]) == abs(delta[$1]) && $0 < $1) }
            let kept = Array(order.prefix(requested ?? basis.rank)).sorted()
            let keptSet = Set(kept)
            for i in delta.indices {
                let square = Double(delta[i]) * Double(delta[i])
                total += square
                if !keptSet.contains(i) { dropped += square }
            }
            var b = [Float](repeating: 0, count: basis.outputs * kept.count)
            for row in 0..<basis.outputs {
                for (column, i) in kept.enumerated() { b[row * kept.count + column] = basis.u[row * basis.rank + i] * delta[i] }
            }
            var a = [Float](repeating: 0, count: kept.count * basis.inputs)
            for (row, i) in kept.enumerated() {
                for column in 0..<basis.inputs { a[row * basis.inputs + column] = basis.vt[i * basis.inputs + column] }
            }
            pairs.append(Pair(site: site, rank: kept.count, inputs: basis.inputs, outputs: basis.outputs, a: a, b: b))
        }
        // A LoRA (an imported one) is exact as it is; beside an SVF change at the same site the
        // two sum, so its factors are appended: B = [B_svf | s·B_lora], A = [A_svf ; A_lora].
        for site in adapters.lora.keys.sorted() {
            let lora = adapters.lora[site]!
            let scaled = lora.b.map { $0 * lora.scale }
            guard let index = pairs.firstIndex(where: { $0.site == site }) else {
                pairs.append(Pair(site: site, rank: lora.rank, inputs: lora.inputs, outputs: lora.outputs, a: lora.a, b: scaled))
                continue
            }
            let svf = pairs[index], rank = svf.rank + lora.rank
            var b = [Float](repeating: 0, count: svf.outputs * rank)
            for row in 0..<svf.outputs {
                for column in 0..<svf.rank { b[row * rank + column] = svf.b[row * svf.rank + column] }
                for column in 0..<lora.rank { b[row * rank + svf.rank + column] = scaled[row * lora.rank + column] }
            }
            pairs[index] = Pair(site: site, rank: rank, inputs: svf.inputs, outputs: svf.outputs, a: svf.a + lora.a, b: b)
        }
        pairs.sort { $0.site < $1.site }
        let rank = pairs.map(\.rank).max() ?? 0
        // lora_alpha = r makes PEFT's scale alpha / r = 1: B already holds the whole change.
        var config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": rank, "lora_dropout": 0.0, "bias": "none",
            "fan_in_fan_out": false, "inference_mode": true, "base_model_name_or_path": baseModel,
            "target_modules": Array(Set(pairs.map { String(names[$0.site.kind]!.huggingFace.split(separator: ".").last!) })).sorted(),
        ]
        // PEFT's patterns name modules without the "base_model.model." its keys start with.
        let differing = pairs.filter { $0.rank != rank }
        if !differing.isEmpty {
            config["rank_pattern"] = Dictionary(uniqueKeysWithValues: differing.map { (String(module($0.site).dropFirst("base_model.model.".count)), $0.rank) })
            config["alpha_pattern"] = config["rank_pattern"]
        }
        return Result(pairs: pairs, config: config, rank: rank, relativeError: total > 0 ? (dropped / total).squareRoot() : 0)
    }
}
