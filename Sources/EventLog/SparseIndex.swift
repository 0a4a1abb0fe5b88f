/// A sparse map from sequence numbers to record offsets in one segment: one entry for the
/// first record and then for the first record past every `spacing` bytes, so a seek reads at
/// most about `spacing` bytes of records it does not want.
///
/// Sealed segments keep theirs in a `.idx` file beside them; the active segment's lives in
/// memory, rebuilt by the scan that recovery does anyway. An index is a cache: `verify`
/// checks it against the records and the writer rebuilds a missing or stale one.
///
/// File layout: "GESALIDX", u16 version, u16 flags, u32 entry count, u64 segment length covered,
/// then entries of (u64 first sequence, u64 offset), then a CRC-32C of everything before it.
struct SparseIndex: Sendable, Equatable {
    static let spacing = 4096
    static let fileExtension = ".idx"
    static let version: UInt16 = 1

    struct Entry: Sendable, Equatable {
        var sequence: UInt64
        var offset: Int
    }

    private(set) var entries: [Entry] = []
    /// The segment length the index was built over.
    var coveredLength: Int = SegmentFormat.headerLength

    /// Notes a record written at `offset`; keeps it if it is the first or far enough on.
    mutating func note(sequence: UInt64, offset: Int, end: Int) {
        if let last = entries.last {
            if offset - last.offset >= Self.spacing { entries.append(Entry(sequence: sequence, offset: offset)) }
        } else {
            entries.append(Entry(sequence: sequence, offset: offset))
        }
        coveredLength = end
    }

    /// The offset of the last indexed record whose first sequence is at most `sequence`.
    func offset(before sequence: UInt64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? SegmentFormat.headerLength : entries[low - 1].offset
    }

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = Array("GESALIDX".utf8)
        bytes.appendLE(Self.version)
        bytes.appendLE(UInt16(0))
        bytes.appendLE(UInt32(entries.count))
        bytes.appendLE(UInt64(coveredLength))
        for entry in entries {
            bytes.appendLE(entry.sequence)
            bytes.appendLE(UInt64(entry.offset))
        }
        bytes.appendLE(CRC32C.checksum(bytes))
        return bytes
    }

    /// Decodes an index file; nil when it is damaged or of another version (callers rebuild).
    static func decode(_ bytes: [UInt8]) -> SparseIndex? {
        bytes.withUnsafeBytes { raw -> SparseIndex? in
            guard raw.count >= 28, Array(raw[0..<8]) == Array("GESALIDX".utf8),
                  raw.loadLE(8, as: UInt16.self) == version else { return nil }
            let count = Int(raw.loadLE(12, as: UInt32.self))
            guard raw.count == 24 + 16 * count + 4,
                  raw.loadLE(raw.count - 4, as: UInt32.self) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)]))
            else { return nil }
            var index = SparseIndex()
            index.coveredLength = Int(raw.loadLE(16, as: UInt64.self))
            for i in 0..<count {
                index.entries.append(Entry(sequence: raw.loadLE(24 + 16 * i), offset: Int(raw.loadLE(32 + 16 * i, as: UInt64.self))))
            }
            return index
        }
    }
}
