import SystemIO

/// The records of one open segment that a walk over `range` reads, front to back: each one
/// parsed and CRC-checked, a torn tail or damage judged as `LineFiles.forEachEvent` describes.
/// A value that can be handed to another thread, so a read-ahead thread can run the loop
/// (`RecordReadAhead`) while the caller decodes what it already read.
struct SegmentRecords: Sendable {
    /// How the loop over a segment ended.
    enum Outcome: Sendable, Equatable {
        /// It met a record past the range: the walk is over, and read through `last`.
        case pastRange(last: UInt64)
        /// It reached the segment's end; `next` is the sequence after its last record (nil
        /// when it read none).
        case segmentEnd(next: UInt64?)
    }

    let file: FileDescriptor
    let segment: LineFiles.Segment
    /// Where in the file the first record to read starts (after the header, or at an index entry).
    let start: Int
    let isLast: Bool
    let range: ClosedRange<UInt64>
    let toEnd: Bool
    let types: Set<String>?

    /// Calls `record` with the header and bytes of each record that holds events in the range
    /// (and, with `types`, names one of them). An `LZ4FrameError` thrown by `record` is reported
    /// as the record's corruption, naming its file and offset.
    func forEach(_ record: (RecordHeader, UnsafeRawBufferPointer) throws -> Void) throws -> Outcome {
        var window = try io { try SegmentWindow(file: file, from: start, chunk: LineFiles.readChunk) }
        var expected: UInt64? = nil
        records: while window.hasUnread {
            if let expected, expected > range.upperBound { return .pastRange(last: expected - 1) }
            let position = Int64(window.filePosition)
            switch window.withUnread({ RecordCodec.parse($0, at: 0) }) {
            case .failure(.incomplete(let needed)) where window.hasMoreInFile:
                try io { try window.load(atLeast: needed) }
            case .failure(let problem):
                // Rare: whether this ends the segment depends on all that follows it.
                try io { try window.loadRest() }
                // Padding ends a segment; a torn tail ends the line, as `lastSequence` reads it.
                let ends = window.withUnread { rest in
                    SegmentFormat.isUnusedTail(rest, from: 0) || (toEnd && isLast && !SegmentScan.hasValidRecord(in: rest, after: 0))
                }
                if ends { break records }
                switch problem {
                case .incomplete(let needed):
                    let remain = window.withUnread(\.count)
                    throw LogError(.tornTail, "record needs \(needed) bytes, \(remain) remain", path: segment.path, offset: position)
                case .invalid(let reason):
                    throw LogError(.corrupt, reason, path: segment.path, offset: position)
                }
            case .success(let header):
                if let expected, header.firstSequence != expected {
                    throw LogError(.corrupt, "record starts at sequence \(header.firstSequence), expected \(expected)", path: segment.path, offset: position)
                }
                expected = header.lastSequence + 1
                if header.firstSequence > range.upperBound { return .pastRange(last: header.lastSequence) }
                let wanted = types.map { types in window.withUnread { header.types(in: $0).contains(where: types.contains) } } ?? true
                if header.lastSequence >= range.lowerBound && wanted {
                    do {
                        try window.withUnread { unread in try record(header, UnsafeRawBufferPointer(rebasing: unread[0..<header.totalLength])) }
                    } catch let error as LZ4FrameError {
                        throw LogError(.corrupt, "\(error)", path: segment.path, offset: position)
                    }
                }
                window.skip(header.totalLength)
            }
        }
        return .segmentEnd(next: expected)
    }
}
