import Foundation
@testable import Models

/// Writes small GGUF v3 files for tests: a tiny random Llama with a byte-level vocabulary.
struct TinyGGUF {
    enum Value {
        case u32(UInt32), f32(Float), string(String), strings([String]), i32s([Int32])
    }

    var metadata: [(String, Value)] = []
    var tensors: [(name: String, dims: [Int], type: GGMLType, data: [UInt8])] = []

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        out += Array("GGUF".utf8)
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            switch value {
            case .u32(let v): u32(4); u32(v)
            case .f32(let v): u32(6); u32(v.bitPattern)
            case .string(let v): u32(8); string(v)
            case .strings(let v): u32(9); u32(8); u64(UInt64(v.count)); v.forEach(string)
            case .i32s(let v): u32(9); u32(5); u64(UInt64(v.count)); v.forEach { u32(UInt32(bitPattern: $0)) }
            }
        }
        var offset = 0
        for tensor in tensors {
            string(tensor.name)
            u32(UInt32(tensor.dims.count))
            tensor.dims.forEach { u64(UInt64($0)) }
            u32(tensor.type.rawValue)
            u64(UInt64(offset))
            offset += (tensor.data.count + 31) / 32 * 32
        }
        while out.count % 32 != 0 { out.append(0) }
        for tensor in tensors {
            out += tensor.data
            while out.count % 32 != 0 { out.append(0) }
        }
        return out
    }

    /// Random weights in [-scale, scale] as F32, or quantised to a block type with a random
    /// scale per block (the values are whatever the blocks decode to).
    static func weights(_ count: Int, type: GGMLType, rng: inout RandomSource, scale: Float = 0.2) -> [UInt8] {
        func value() -> Float { (Float(rng.unit()) * 2 - 1) * scale }
        switch type {
        case .f32:
            return (0..<count).flatMap { _ in withUnsafeBytes(of: value().bitPattern.littleEndian) { Array($0) } }
        case .f16:
            return (0..<count).flatMap { _ in withUnsafeBytes(of: Float16(value()).bitPattern.littleEndian) { Array($0) } }
        case .bf16:
            return (0..<count).flatMap { _ in withUnsafeBytes(of: UInt16(value().bitPattern >> 16).littleEndian) { Array($0) } }
        default:
            var bytes = (0..<(count / type.blockSize * type.blockBytes)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Give every half-float scale a sane value, so no block decodes to inf or NaN.
            for block in 0..<(count / type.blockSize) {
                for offset in halfOffsets(type) {
                    let half = Float16(Float(rng.unit()) * scale / 8 + 0.001)
                    let bits = half.bitPattern
                    bytes[block * type.blockBytes + offset] = UInt8(bits & 0xFF)
                    bytes[block * type.blockBytes + offset + 1] = UInt8(bits >> 8)
                }
            }
            return bytes
        }
    }

    /// Where the half-float scales sit in a block.
    static func halfOffsets(_ type: GGMLType) -> [Int] {
        switch type {
        case .f32, .f16, .bf16: []
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        }
    }

    /// A tiny Llama: vocabulary of the 256 byte symbols plus a few merges and ChatML tokens.
    static func llama(layers: Int = 2, width: Int = 64, hidden: Int = 96, heads: Int = 4, kvHeads: Int = 2,
                      types: [GGMLType] = [.q4_1, .q8_0, .f32], seed: UInt64 = 1) -> TinyGGUF {
        var rng = RandomSource(seed: seed)
        let symbols = ByteLevelBPE.byteToSymbol().map { String(Unicode.Scalar($0)!) }
        let merges = ["h e", "l l", "he ll", "Ġ t"]
        let tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + symbols + ["he", "ll", "hell", "Ġt"]
        var file = TinyGGUF()
        file.metadata = [
            ("general.architecture", .string("llama")),
            ("llama.embedding_length", .u32(UInt32(width))), ("llama.feed_forward_length", .u32(UInt32(hidden))),
            ("llama.block_count", .u32(UInt32(layers))), ("llama.attention.head_count", .u32(UInt32(heads))),
            ("llama.attention.head_count_kv", .u32(UInt32(kvHeads))), ("llama.rope.freq_base", .f32(10_000)),
            ("llama.attention.layer_norm_rms_epsilon", .f32(1e-5)), ("llama.context_length", .u32(256)),
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .strings(tokens)), ("tokenizer.ggml.merges", .strings(merges)),
            ("tokenizer.ggml.token_type", .i32s([3, 3, 3] + Array(repeating: 1, count: tokens.count - 3))),
            ("tokenizer.ggml.eos_token_id", .u32(2)),
            ("tokenizer.chat_template", .string("{{'<|im_start|>' + message['role'] }}")),
        ]
        let kv = width / heads * kvHeads
        var typeIndex = 0
        func add(_ name: String, _ dims: [Int], norm: Bool = false) {
            let type: GGMLType = norm ? .f32 : types[typeIndex % types.count]
            if !norm { typeIndex += 1 }
            let data: [UInt8] = norm
                ? (0..<dims.reduce(1, *)).flatMap { _ in withUnsafeBytes(of: (Float(1) + Float(rng.unit()) * 0.1).bitPattern.littleEndian) { Array($0) } }
                : weights(dims.reduce(1, *), type: type, rng: &rng)
            file.tensors.append((name, dims, type, data))
        }
        add("token_embd.weight", [width, tokens.count])
        for l in 0..<layers {
            add("blk.\(l).attn_norm.weight", [width], norm: true)
            add("blk.\(l).attn_q.weight", [width, width])
            add("blk.\(l).attn_k.weight", [width, kv])
            add("blk.\(l).attn_v.weight", [width, kv])
            add("blk.\(l).attn_output.weight", [width, width])
            add("blk.\(l).ffn_norm.weight", [width], norm: true)
            add("blk.\(l).ffn_gate.weight", [width, hidden])
            add("blk.\(l).ffn_up.weight", [width, hidden])
            add("blk.\(l).ffn_down.weight", [hidden, width])
        }
        add("output_norm.weight", [width], norm: true)
        return file
    }
}

/// Writes bytes to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "model.gguf") -> String {
    let folder = NSTemporaryDirectory() + "gesal-model-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/" + name
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}
