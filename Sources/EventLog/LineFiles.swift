import SystemIO

/// One line's segments on disk, and the reads over them.
struct LineFiles: Sendable {
    struct Segment: Sendable {
        var firstSequence: UInt64
        var path: String
    }

    let info: LineInfo
    let segments: [Segment]
    let layout: StoreLayout
    let fs: FileSystem
    /// Whether walks read ahead on a second thread (`LogStore.readAhead`).
    var readAhead: ReadAhead = .automatic

    static func load(_ id: Int, layout: StoreLayout, fs: FileSystem, readAhead: ReadAhead = .automatic) throws(LogError) -> LineFiles {
        let infoPath = layout.lineInfo(id)
        guard fs.exists(infoPath) else { throw LogError(.corrupt, "line \(id) is referenced but has no \(LineInfo.fileName)", path: infoPath) }
        let info = try StoreJSON.decode(LineInfo.self, from: io { try fs.read(infoPath) }, path: infoPath)
        let names = try io { try fs.list(layout.line(id)) }
        let segments = names.compactMap { name in
            SegmentFormat.firstSequence(fromFileName: name).map { Segment(firstSequence: $0, path: layout.line(id) + "/" + name) }
        }
        return LineFiles(info: info, segments: segments, layout: layout, fs: fs, readAhead: readAhead)
    }

    /// Reads a whole segment file.
    func bytes(of segment: Segment) throws(LogError) -> [UInt8] {
        try io { try fs.read(segment.path) }
    }

    /// Scans a segment, checking that its header agrees with its name and line.
    func scan(_ segment: Segment, hashes: Bool, decoding: Bool = false) throws(LogError) -> SegmentScan {
        let bytes = try bytes(of: segment)
        return try scan(bytes, of: segment, hashes: hashes, decoding: decoding)
    }

    func scan(_ bytes: [UInt8], of segment: Segment, hashes: Bool, decoding: Bool = false) throws(LogError) -> SegmentScan {
        let result = bytes.withUnsafeBytes { SegmentScan.scan($0, hashes: hashes, decoding: decoding) }
        switch result {
        case .failure(.incomplete):
            throw LogError(.tornTail, "segment header is incomplete (\(bytes.count) bytes)", path: segment.path, offset: 0)
        case .failure(.invalid(let reason)):
            throw LogError(.corrupt, reason, path: segment.path, offset: 0)
        case .success(let scan):
            guard scan.line == info.id, scan.firstSequence == segment.firstSequence else {
                throw LogError(.corrupt, "segment header says line \(scan.line), sequence \(scan.firstSequence); its name and folder say line \(info.id), sequence \(segment.firstSequence)", path: segment.path, offset: 0)
            }
            return scan
        }
    }

    /// The last sequence number stored in this line (its `fork` when it has no records).
    /// Reading stops at a torn tail, which may be a writer's append in flight.
    func lastSequence() throws(LogError) -> UInt64 {
        for segment in segments.reversed() {
            let scan = try scan(segment, hashes: false)
            if case .corrupt(let offset, let reason) = scan.tail {
                throw LogError(.corrupt, reason, path: segment.path, offset: Int64(offset))
            }
            if let last = scan.records.last { return last.lastSequence }
        }
        return info.fork
    }

    /// The sparse index of a sealed segment: from its `.idx` file when that is present and
    /// whole, otherwise nil (callers scan from the start).
    func storedIndex(of segment: Segment) -> SparseIndex? {
        let path = layout.index(line: info.id, firstSequence: segment.firstSequence)
        guard let bytes = try? fs.read(path) else { return nil }
        return SparseIndex.decode(bytes)
    }

    /// Bytes read at a time: small enough to stay in a core's cache while a record is checked
    /// and decoded.
    static let readChunk = 256 << 10

    /// Calls `body` with each event of this line with a sequence number in `range`, in order.
    /// A record that cannot be read before the end of the range is an error naming its file
    /// and offset; nothing is skipped. `toEnd`: the range runs to the line's end, which the
    /// walk finds itself (as `lastSequence` would: a torn tail of the last segment ends it,
    /// damage followed by a valid record does not), so callers need not read the head first.
    /// Each record's CRC-32C is checked; its LZ4 frame's content checksum is left to `verify`.
    /// With `types`, a record whose header names none of them is not decompressed, and only
    /// the events of those types reach `body`.
    /// Returns the last sequence of the last record it read (nil when it read none): whether
    /// the walk reached the end of `range`, for a caller that did not read the head first.
    @discardableResult
    func forEachEvent(in range: ClosedRange<UInt64>, toEnd: Bool = false, types: Set<String>? = nil, _ body: (Event) throws -> Void) throws -> UInt64? {
        let decompressor = try LZ4Frame.Decompressor(checksums: false)
        var scratch = WalkScratch()
        var reached: UInt64?
        func inRange(_ event: Event) throws {
            if range.contains(event.sequence) && types?.contains(event.type) != false { try body(event) }
        }
        for (i, segment) in segments.enumerated() {
            let isLast = i + 1 == segments.count
            let next = isLast ? UInt64.max : segments[i + 1].firstSequence
            guard next > range.lowerBound else { continue }
            guard segment.firstSequence <= range.upperBound else { break }
            var start = SegmentFormat.headerLength
            if range.lowerBound > segment.firstSequence, let index = storedIndex(of: segment) {
                start = index.offset(before: range.lowerBound)
            }
            let file = try io { try fs.open(segment.path, .readOnly) }
            defer { try? file.close() }
            let header = try io { try file.read(at: 0, count: SegmentFormat.headerLength) }
            _ = try scan(header, of: segment, hashes: false)  // header and name agree
            let records = SegmentRecords(file: file, segment: segment, start: start, isLast: isLast, range: range, toEnd: toEnd, types: types)
            // Nil when read-ahead does not apply or found no thread: then this thread reads.
            let readAheadOutcome = readAhead.applies(toBytes: Int(try io { try file.size() }) - start)
                ? try RecordReadAhead.forEachEvent(of: records, scratch: &scratch, inRange) : nil
            let outcome = try readAheadOutcome ?? records.forEach { header, record in
                try RecordCodec.forEachEvent(of: header, in: record, using: decompressor, scratch: &scratch, inRange)
            }
            switch outcome {
            case .pastRange(let last): return last
            case .segmentEnd(let next): if let next { reached = next - 1 }
            }
        }
        return reached
    }
}
