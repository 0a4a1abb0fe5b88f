extension LlamaWeights {
    /// The values of the GGUF tensor `name`, by the names `LlamaModel(gguf:)` loads from, or
    /// nil for a tensor the model does not hold.
    public func floats(ggufName name: String) -> [Float]? {
        switch name {
        case "token_embd.weight": return tokenEmbedding.floats
        case "output_norm.weight": return outputNorm
        case "output.weight": return output?.floats
        default: break
        }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let index = Int(parts[1]), layers.indices.contains(index) else { return nil }
        let layer = layers[index]
        switch parts[2] {
        case "attn_norm.weight": return layer.attentionNorm
        case "attn_q.weight": return layer.q.floats
        case "attn_k.weight": return layer.k.floats
        case "attn_v.weight": return layer.v.floats
        case "attn_output.weight": return layer.o.floats
        case "attn_q.bias": return layer.qBias
        case "attn_k.bias": return layer.kBias
        case "attn_v.bias": return layer.vBias
        case "ffn_norm.weight": return layer.ffnNorm
        case "ffn_gate.weight": return layer.gate.floats
        case "ffn_up.weight": return layer.up.floats
        case "ffn_down.weight": return layer.down.floats
        default: return nil
        }
    }
}

/// A model's weights, adapters merged, as a GGUF file llama.cpp loads.
public enum ModelExport {
    /// llama.cpp's `general.file_type` for a model mostly in `type`.
    static func fileType(_ type: GGMLType) -> UInt32 {
        switch type {
        case .f32: 0
        case .f16: 1
        case .q8_0: 7
        default: preconditionFailure("\(type.name) is not an export type")
        }
    }

    /// `model`'s weights in `type` (vectors stay F32; a Q8_0 matrix whose rows are not whole
    /// blocks becomes F16), with `source`'s metadata and tensor order, `general.file_type` set
    /// to match, and `provenance` added (`gesal.*` keys saying what was merged, from where).
    public static func gguf(_ model: LlamaModel, source: GGUFFile, type: GGMLType, provenance: [(key: String, value: GGUFWriter.Value)]) -> [UInt8] {
        precondition(Quantize.exportTypes.contains(type), "\(type.name) is not an export type")
        let tensors = source.tensorNames.map { name -> GGUFWriter.Tensor in
            let info = source.tensors[name]!
            guard let values = model.weights.floats(ggufName: name) else {
                return GGUFWriter.Tensor(name: name, dims: info.dims, type: info.type, data: Array(source.data(of: info)))
            }
            let chosen: GGMLType = info.dims.count == 1 ? .f32 : (type == .q8_0 && info.dims[0] % 32 != 0 ? .f16 : type)
            return GGUFWriter.Tensor(name: name, dims: info.dims, type: chosen, data: Quantize.bytes(values, as: chosen))
        }
        return GGUFWriter.encode(copying: source, set: [("general.file_type", .uint32(fileType(type)))] + provenance, tensors: tensors)
    }
}
