/// The event type names a walk over records has met, each kept as one `String`. A record's
/// header spells out its types; without this every record made its names again (an
/// allocation for any name longer than 15 bytes, `InteractionRecorded.v1` among them), and
/// every event of a walk now carries the same `String` for the same type. Not `Sendable`: the
/// walk that makes one owns it.
final class TypeNames {
    private var known: [(bytes: [UInt8], name: String)] = []

    /// The name spelled by `bytes` (UTF-8, repaired as `String(decoding:)` does).
    func name(_ bytes: UnsafeRawBufferPointer) -> String {
        for entry in known where entry.bytes.count == bytes.count {
            let same = entry.bytes.withUnsafeBytes { $0.elementsEqual(bytes) }
            if same { return entry.name }
        }
        let name = String(decoding: bytes, as: UTF8.self)
        // A walk meets a few dozen names at most; a hostile segment cannot grow this past that.
        if known.count < 64 { known.append((Array(bytes), name)) }
        return name
    }
}
