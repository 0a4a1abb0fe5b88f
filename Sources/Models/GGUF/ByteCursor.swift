/// Little-endian reads from a byte buffer where every read is bounds-checked, so a truncated
/// or lying file becomes an error naming the offset, never a crash.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws(ModelError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw ModelError(.truncated, "file ends while reading \(what()) (needs \(size) bytes, \(remaining) left)", path: path, offset: offset)
        }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// A GGUF string: u64 length, then that many UTF-8 bytes.
    mutating func string(_ what: @autoclosure () -> String) throws(ModelError) -> String {
        let start = offset
        let length = try read(UInt64.self, "the length of \(what())")
        guard length <= UInt64(remaining) else {
            throw ModelError(.truncated, "\(what()) claims \(length) bytes but only \(remaining) remain", path: path, offset: start)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))]), as: UTF8.self)
        offset += Int(length)
        return text
    }
}
