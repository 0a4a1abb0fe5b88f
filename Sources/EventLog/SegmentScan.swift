/// What a full read of one segment found: its records, where the valid bytes end, and what
/// (if anything) follows them.
struct SegmentScan: Sendable {
    struct Record: Sendable {
        var offset: Int
        var length: Int
        var firstSequence: UInt64
        var lastSequence: UInt64
        var previousHash: Hash256
        /// SHA-256 of the record's bytes, when the scan was asked for hashes.
        var hash: Hash256?
        var payloadLength: Int
        var frameLength: Int
        /// Every blob the record's events refer to.
        var blobs: [Hash256]
        /// Why the record's events do not read although its framing and CRC are sound (a
        /// frame whose content does not decompress to the stated size and checksum), when the
        /// scan was asked to decode; nil otherwise. The CRC only shows the bytes are the ones
        /// written; this shows they were written right.
        var undecodable: String? = nil
    }

    enum Tail: Sendable, Equatable {
        /// The file ends after the last valid record (perhaps in preallocated, padded space).
        case clean
        /// Bytes after the last valid record that are not a record, and no valid record
        /// after them: a write that did not finish (or a flipped bit in the very last record).
        case torn(offset: Int, reason: String)
        /// A bad record followed by valid ones: damage in the middle, never skipped.
        case corrupt(offset: Int, reason: String)
    }

    var line: Int
    var firstSequence: UInt64
    var records: [Record] = []
    var index = SparseIndex()
    var validEnd: Int
    var tail: Tail = .clean

    /// Scans `bytes`, a whole segment file; `decoding` also decompresses every record (what
    /// `verify` needs). A bad segment header is returned as a failure.
    static func scan(_ bytes: UnsafeRawBufferPointer, hashes: Bool, decoding: Bool = false) -> Result<SegmentScan, RecordProblem> {
        let header: (line: Int, firstSequence: UInt64)
        switch SegmentFormat.parseHeader(bytes) {
        case .success(let parsed): header = parsed
        case .failure(let problem): return .failure(problem)
        }
        var scan = SegmentScan(line: header.line, firstSequence: header.firstSequence, validEnd: SegmentFormat.headerLength)
        var offset = SegmentFormat.headerLength
        var expected = header.firstSequence
        let decompressor = decoding ? try? LZ4Frame.Decompressor() : nil
        while offset < bytes.count {
            switch RecordCodec.parse(bytes, at: offset) {
            case .success(let record):
                guard record.firstSequence == expected else {
                    scan.tail = .corrupt(offset: offset, reason: "record starts at sequence \(record.firstSequence), expected \(expected)")
                    return .success(scan)
                }
                let range = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + record.totalLength)])
                scan.records.append(Record(
                    offset: offset, length: record.totalLength, firstSequence: record.firstSequence,
                    lastSequence: record.lastSequence, previousHash: record.previousHash,
                    hash: hashes ? Hash256.of(range) : nil, payloadLength: record.payloadLength,
                    frameLength: record.frameLength, blobs: record.blobs(in: range),
                    undecodable: decoding ? undecodable(record, in: range, using: decompressor) : nil))
                scan.index.note(sequence: record.firstSequence, offset: offset, end: offset + record.totalLength)
                offset += record.totalLength
                expected = record.lastSequence + 1
                scan.validEnd = offset
            case .failure where SegmentFormat.isUnusedTail(bytes, from: offset):
                return .success(scan)  // preallocated space after the last record: a clean end
            case .failure(let problem):
                let reason: String
                switch problem {
                case .incomplete(let needed): reason = "record needs \(needed) bytes, \(bytes.count - offset) remain"
                case .invalid(let text): reason = text
                }
                scan.tail = hasValidRecord(in: bytes, after: offset)
                    ? .corrupt(offset: offset, reason: reason)
                    : .torn(offset: offset, reason: reason)
                return .success(scan)
            }
        }
        return .success(scan)
    }

    private static func undecodable(_ record: RecordHeader, in bytes: UnsafeRawBufferPointer, using decompressor: LZ4Frame.Decompressor?) -> String? {
        do {
            _ = try RecordCodec.events(of: record, in: bytes, using: decompressor)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Whether any whole, CRC-valid record starts after `offset`: the test that tells damage in
    /// the middle (refuse) from a torn tail (cut).
    static func hasValidRecord(in bytes: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        let magic = withUnsafeBytes(of: RecordFormat.magic.littleEndian) { Array($0) }
        var position = offset + 1
        while position + 8 <= bytes.count {
            if bytes[position] == magic[0] && bytes[position + 1] == magic[1]
                && bytes[position + 2] == magic[2] && bytes[position + 3] == magic[3],
               case .success = RecordCodec.parse(bytes, at: position) {
                return true
            }
            position += 1
        }
        return false
    }
}
