/// Writes GGUF version 3 (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): the
/// metadata of a source file copied byte for byte, with some keys set anew, and new tensors.
/// Copying the metadata keeps what GESAL does not interpret (the tokenizer's arrays, the chat
/// template, every architecture key) exactly as the model's authors wrote it.
public enum GGUFWriter {
    public struct Tensor: Sendable {
        public var name: String
        /// GGUF order: `dims[0]` is the innermost dimension.
        public var dims: [Int]
        public var type: GGMLType
        public var data: [UInt8]

        public init(name: String, dims: [Int], type: GGMLType, data: [UInt8]) {
            self.name = name
            self.dims = dims
            self.type = type
            self.data = data
        }
    }

    /// A metadata value to set.
    public enum Value: Sendable {
        case uint32(UInt32)
        case float32(Float)
        case string(String)
        /// An array of strings (a tokenizer's tokens or merges).
        case strings([String])
        /// An array of 32-bit integers (token types).
        case int32s([Int32])
    }

    /// The file's bytes: `source`'s metadata (entries in `set` replaced, or added after the
    /// others), then `tensors`, each aligned to the source's `general.alignment`.
    public static func encode(copying source: GGUFFile, set: [(key: String, value: Value)], tensors: [Tensor]) -> [UInt8] {
        let replaced = Set(set.map(\.key))
        let kept = source.metadataEntries.filter { !replaced.contains($0.key) }
        return encode(copied: kept.map { Array(source.bytes($0.range)) }, set: set, tensors: tensors,
                      alignment: source.metadata["general.alignment"]?.int ?? 32)
    }

    /// A file with only the metadata in `set` (a LoRA adapter's, say), aligned to 32 bytes.
    public static func encode(_ set: [(key: String, value: Value)], tensors: [Tensor]) -> [UInt8] {
        encode(copied: [], set: set, tensors: tensors, alignment: 32)
    }

    private static func encode(copied: [[UInt8]], set: [(key: String, value: Value)], tensors: [Tensor], alignment: Int) -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        append(UInt32(3), to: &out)
        append(UInt64(tensors.count), to: &out)
        append(UInt64(copied.count + set.count), to: &out)
        for entry in copied { out += entry }
        for (key, value) in set {
            append(key, to: &out)
            switch value {
            case .uint32(let number):
                append(UInt32(4), to: &out)
                append(number, to: &out)
            case .float32(let number):
                append(UInt32(6), to: &out)
                append(number.bitPattern, to: &out)
            case .string(let text):
                append(UInt32(8), to: &out)
                append(text, to: &out)
            case .strings(let texts):
                append(UInt32(9), to: &out)
                append(UInt32(8), to: &out)
                append(UInt64(texts.count), to: &out)
                for text in texts { append(text, to: &out) }
            case .int32s(let numbers):
                append(UInt32(9), to: &out)
                append(UInt32(5), to: &out)
                append(UInt64(numbers.count), to: &out)
                for number in numbers { append(number, to: &out) }
            }
        }
        var offset = 0
        for tensor in tensors {
            append(tensor.name, to: &out)
            append(UInt32(tensor.dims.count), to: &out)
            for dim in tensor.dims { append(UInt64(dim), to: &out) }
            append(tensor.type.rawValue, to: &out)
            append(UInt64(offset), to: &out)
            offset += padded(tensor.data.count, alignment)
        }
        out += [UInt8](repeating: 0, count: padded(out.count, alignment) - out.count)
        for tensor in tensors {
            out += tensor.data
            out += [UInt8](repeating: 0, count: padded(tensor.data.count, alignment) - tensor.data.count)
        }
        return out
    }

    private static func padded(_ count: Int, _ alignment: Int) -> Int { (count + alignment - 1) / alignment * alignment }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        append(UInt64(text.utf8.count), to: &out)
        out += text.utf8
    }
}
