/// A segment file: a 40-byte header (itself an LZ4 skippable frame), then records.
///
/// ```
/// offset size  field
///  0     4     magic 0x184D2A5B (LZ4 skippable frame)
///  4     4     32 (bytes that follow)
///  8     8     "GESALSEG"
/// 16     2     segment format version (1)
/// 18     2     flags (0)
/// 20     4     line id
/// 24     8     first sequence number
/// 32     4     reserved (0)
/// 36     4     CRC-32C of bytes [0, 36)
/// ```
/// Segments are named after their first sequence number, zero-padded to 20 digits, so that
/// listing a line's folder lists its segments in order.
enum SegmentFormat {
    static let magic: UInt32 = 0x184D_2A5B
    /// The skippable frame that pads a preallocated segment from the last record to its end,
    /// so that even the active segment reads as a clean LZ4 stream.
    static let paddingMagic: UInt32 = 0x184D_2A5F
    static let paddingHeaderLength = 8
    static let headerLength = 40
    static let version: UInt16 = 1
    static let fileExtension = ".seg"

    static func header(line: Int, firstSequence: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLE(magic)
        bytes.appendLE(UInt32(32))
        bytes.append(contentsOf: Array("GESALSEG".utf8))
        bytes.appendLE(version)
        bytes.appendLE(UInt16(0))
        bytes.appendLE(UInt32(line))
        bytes.appendLE(firstSequence)
        bytes.appendLE(UInt32(0))
        bytes.appendLE(CRC32C.checksum(bytes))
        return bytes
    }

    /// The line id and first sequence number a segment header declares.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) -> Result<(line: Int, firstSequence: UInt64), RecordProblem> {
        guard bytes.count >= headerLength else { return .failure(.incomplete(needed: headerLength)) }
        guard bytes.loadLE(0, as: UInt32.self) == magic,
              Array(UnsafeRawBufferPointer(rebasing: bytes[8..<16])) == Array("GESALSEG".utf8)
        else { return .failure(.invalid("not a GESAL segment (bad magic)")) }
        let stored: UInt32 = bytes.loadLE(36)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<36]))
        guard stored == computed else {
            return .failure(.invalid("segment header CRC-32C mismatch (stored \(hex32(stored)), computed \(hex32(computed)))"))
        }
        let version: UInt16 = bytes.loadLE(16)
        guard version == SegmentFormat.version else {
            return .failure(.invalid("segment format version \(version); this build reads version \(SegmentFormat.version)"))
        }
        return .success((Int(bytes.loadLE(20, as: UInt32.self)), bytes.loadLE(24)))
    }

    /// The 8-byte header of a padding frame covering `contentLength` bytes of zeros after it.
    static func paddingHeader(contentLength: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLE(paddingMagic)
        bytes.appendLE(UInt32(contentLength))
        return bytes
    }

    /// Whether the bytes from `offset` to the end are unused preallocated space: zeros, or a
    /// padding frame header followed by zeros.
    static func isUnusedTail(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
        var start = offset
        if bytes.count - offset >= paddingHeaderLength && bytes.loadLE(offset, as: UInt32.self) == paddingMagic {
            start += paddingHeaderLength
        }
        guard start < bytes.count else { return true }
        return UnsafeRawBufferPointer(rebasing: bytes[start...]).allSatisfy { $0 == 0 }
    }

    static func fileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: 20 - digits.count) + digits + fileExtension
    }

    /// The first sequence number a segment's file name declares, or nil for other files.
    static func firstSequence(fromFileName name: String) -> UInt64? {
        guard name.hasSuffix(fileExtension), name.count == 20 + fileExtension.count else { return nil }
        return UInt64(name.dropLast(fileExtension.count))
    }
}
