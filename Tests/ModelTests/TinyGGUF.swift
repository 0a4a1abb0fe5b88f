import Foundation
@testable import Models

/// Writes small GGUF v3 files for tests: a tiny random Llama with a byte-level vocabulary.
struct TinyGGUF {
    var metadata: [(String, GGUFWriter.Value)] = []
    var tensors: [(name: String, dims: [Int], type: GGMLType, data: [UInt8])] = []

    func bytes() -> [UInt8] {
        GGUFWriter.encode(metadata.map { (key: $0.0, value: $0.1) },
                          tensors: tensors.map { GGUFWriter.Tensor(name: $0.name, dims: $0.dims, type: $0.type, data: $0.data) })
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
            ("llama.embedding_length", .uint32(UInt32(width))), ("llama.feed_forward_length", .uint32(UInt32(hidden))),
            ("llama.block_count", .uint32(UInt32(layers))), ("llama.attention.head_count", .uint32(UInt32(heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(kvHeads))), ("llama.rope.freq_base", .float32(10_000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)), ("llama.context_length", .uint32(256)),
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .strings(tokens)), ("tokenizer.ggml.merges", .strings(merges)),
            ("tokenizer.ggml.token_type", .int32s([3, 3, 3] + Array(repeating: 1, count: tokens.count - 3))),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
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

/// One folder for the whole test process, removed when it exits: the corrupt-file tests write
/// thousands of files.
private let temporaryModels: String = {
    let folder = NSTemporaryDirectory() + "gesal-model-tests-\(getpid())"
    try? FileManager.default.removeItem(atPath: folder)
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "gesal-model-tests-\(getpid())") }
    return folder
}()

/// Writes bytes to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "model.gguf") -> String {
    let folder = temporaryModels + "/\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/" + name
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}
