/// Something opening a store for writing had to repair: a torn tail cut back to the last whole
/// record (the cut bytes kept in the line's `quarantine/` folder), or an index rebuilt.
public struct RecoveryAction: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var offset: Int64
    public var bytesCut: Int
    public var reason: String
    /// Where the cut bytes were saved, so nothing is lost.
    public var savedTo: String?

    public var description: String {
        if bytesCut == 0 { return "\(path): \(reason)" }
        return "\(path) at offset \(offset): cut \(bytesCut) bytes of torn tail (\(reason)); saved to \(savedTo ?? "-")"
    }
}
