import SystemIO

/// The segment a line appends to, as the writer tracks it: where the valid bytes end, the next
/// sequence number and the hash the next record must chain to.
struct ActiveSegment: Sendable {
    var line: Int
    var file: FileDescriptor
    var firstSequence: UInt64
    /// Offset just after the last whole record: the next record goes here.
    var end: Int
    /// The file's size: `end` plus any zeroed, synced space preallocated after it.
    var allocated: Int
    var nextSequence: UInt64
    var lastHash: Hash256
    var index: SparseIndex
    /// A failed append may have left bytes past `end`; they are cut before the next write.
    var tailDirty = false
}
