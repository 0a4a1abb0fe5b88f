/// Float32 values stored as little-endian bit patterns at any alignment (a payload's or a
/// state encoding's vector), read as a collection, so `Array(LittleEndianFloats(bytes))` copies
/// them out in one `memcpy` on a little-endian machine.
///
/// Why not `[Float](unsafeUninitializedCapacity:)`: that initializer allocates through a
/// function the standard library never specialises, which looks up `[Float]`'s generic
/// metadata at every call (about 700 instructions an array, 10% of a replay by callgrind).
/// `Array.init` of a collection allocates through specialised code, then asks the collection
/// to copy itself (`_copyContents`), which here is the one `memcpy`.
struct LittleEndianFloats: RandomAccessCollection {
    let bytes: UnsafeRawBufferPointer

    /// `bytes.count` must be a multiple of 4.
    init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count % 4 == 0, "a Float32 vector of \(bytes.count) bytes")
        self.bytes = bytes
    }

    var startIndex: Int { 0 }
    var endIndex: Int { bytes.count / 4 }

    subscript(position: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * position, as: UInt32.self)))
    }

    struct Iterator: IteratorProtocol {
        let floats: LittleEndianFloats
        var position: Int

        mutating func next() -> Float? {
            guard position < floats.endIndex else { return nil }
            defer { position += 1 }
            return floats[position]
        }
    }

    func makeIterator() -> Iterator { Iterator(floats: self, position: 0) }

    func _copyContents(initializing buffer: UnsafeMutableBufferPointer<Float>) -> (Iterator, Int) {
        let copied = Swift.min(buffer.count, count)
        #if _endian(little)
        if copied > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: bytes.baseAddress!, byteCount: 4 * copied) }
        #else
        for i in 0..<copied { buffer[i] = self[i] }
        #endif
        return (Iterator(floats: self, position: copied), copied)
    }
}
