/// The `String` of each type name a walk meets, made once: a walk meets a handful of types,
/// and a name over 15 bytes ("InteractionRecorded.v1") is a heap allocation each time it is
/// made. Looked up by length and bytes, newest first.
struct TypeNames {
    private var known: [(utf8: [UInt8], name: String)] = []

    mutating func name(_ utf8: UnsafeRawBufferPointer) -> String {
        for (bytes, name) in known.reversed() where bytes.holds(utf8) { return name }
        let name = String(decoding: utf8, as: UTF8.self)
        if known.count < 64 { known.append((Array(utf8), name)) }
        return name
    }
}
