/// A read-only check of a whole store. It changes nothing on disk, so it is safe to run on a
/// store a writer is using (a record in flight at the tail may then show as torn).
public struct VerifyReport: Sendable {
    public var problems: [LogError] = []
    public var lines = 0
    public var segments = 0
    public var records = 0
    public var events = 0
    public var blobs = 0
    public var branches = 0

    public var ok: Bool { problems.isEmpty }
}

public enum StoreVerifier {
    /// Checks every record's framing and CRC-32C and that its events decompress, the hash chain within and across lines,
    /// segment continuity, every sparse index, every blob's content hash and every ref.
    /// `progress` is called with (segments done, segments in all).
    public static func verify(_ store: LogStore, progress: (Int, Int) -> Void = { _, _ in }) -> VerifyReport {
        var report = VerifyReport()
        func problem(_ error: LogError) { report.problems.append(error) }

        let ids: [Int]
        do { ids = try store.lineIDs() } catch { problem(error); return report }
        var lines: [Int: LineFiles] = [:]
        for id in ids {
            do { lines[id] = try store.line(id) } catch { problem(error) }
        }
        let total = lines.values.reduce(0) { $0 + $1.segments.count }
        var done = 0
        // Per line: every record's (first, last, hash), to check forks against their parents.
        var chains: [Int: [SegmentScan.Record]] = [:]
        var lineEnds: [Int: UInt64] = [:]
        var referencedBlobs: Set<Hash256> = []

        for id in lines.keys.sorted() {
            let line = lines[id]!
            report.lines += 1
            var records: [SegmentScan.Record] = []
            var expectedFirst = line.info.fork + 1
            var previousHash: Hash256? = forkHash(line.info, lines: lines, chains: chains, problem: problem)
            for (i, segment) in line.segments.enumerated() {
                defer { done += 1; progress(done, total) }
                report.segments += 1
                let scan: SegmentScan
                do { scan = try line.scan(segment, hashes: true, decoding: true) } catch { problem(error); break }
                if segment.firstSequence != expectedFirst {
                    problem(LogError(.corrupt, "segment starts at sequence \(segment.firstSequence), expected \(expectedFirst)", path: segment.path, offset: 0))
                }
                for record in scan.records {
                    if let expected = previousHash, record.previousHash != expected {
                        problem(LogError(.corrupt, "hash chain broken: record \(record.firstSequence) names previous hash \(record.previousHash.hex.prefix(16))…, the previous record hashes to \(expected.hex.prefix(16))…", path: segment.path, offset: Int64(record.offset)))
                    }
                    previousHash = record.hash
                    if let reason = record.undecodable {
                        problem(LogError(.corrupt, "record \(record.firstSequence) passes its CRC but its events do not read: \(reason)", path: segment.path, offset: Int64(record.offset)))
                    }
                    report.records += 1
                    report.events += Int(record.lastSequence - record.firstSequence + 1)
                    referencedBlobs.formUnion(record.blobs)
                }
                records += scan.records
                expectedFirst = (scan.records.last?.lastSequence ?? segment.firstSequence - 1) + 1
                switch scan.tail {
                case .clean: break
                case .torn(let offset, let reason):
                    problem(.tornTail(reason, path: segment.path, offset: offset))
                case .corrupt(let offset, let reason):
                    problem(LogError(.corrupt, reason, path: segment.path, offset: Int64(offset)))
                }
                if i + 1 < line.segments.count {
                    checkIndex(of: segment, in: line, against: scan.index, problem: problem)
                }
            }
            chains[id] = records
            lineEnds[id] = records.last?.lastSequence ?? line.info.fork
        }

        do {
            let branches = try store.branches()
            report.branches = branches.count
            for (name, ref) in branches.sorted(by: { $0.key < $1.key }) {
                guard let end = lineEnds[ref.line] else {
                    problem(LogError(.corrupt, "branch '\(name)' points at line \(ref.line), which does not exist", path: store.layout.refs))
                    continue
                }
                if let head = ref.head, head > end {
                    problem(LogError(.corrupt, "branch '\(name)' has head \(head), past the end of line \(ref.line) (\(end))", path: store.layout.refs))
                }
            }
        } catch { problem(error) }

        do {
            let stored = try store.blobs.list()
            report.blobs = stored.count
            for (hash, _) in stored {
                do { _ = try store.blobs.get(hash) } catch { problem(error) }
            }
            let present = Set(stored.map(\.hash))
            for missing in referencedBlobs.subtracting(present).sorted() {
                problem(LogError(.blobMissing, "an event refers to blob \(missing.hex), which is not stored", path: store.layout.blobs))
            }
        } catch { problem(error) }
        return report
    }

    /// The hash a line's first record must chain to: that of the record holding the fork
    /// sequence in the nearest ancestor line that holds it (zero for a line forked at 0). Nil
    /// when no ancestor holds it, which is reported.
    private static func forkHash(_ info: LineInfo, lines: [Int: LineFiles], chains: [Int: [SegmentScan.Record]],
                                 problem: (LogError) -> Void) -> Hash256? {
        guard info.fork > 0 else { return .zero }
        var ancestor = info.parent
        while let id = ancestor, let line = lines[id] {
            if info.fork > line.info.fork {
                if let record = chains[id]?.first(where: { $0.firstSequence <= info.fork && info.fork <= $0.lastSequence }) {
                    return record.hash
                }
                break
            }
            ancestor = line.info.parent
        }
        problem(LogError(.corrupt, "line \(info.id) forks at sequence \(info.fork), which no ancestor line holds", path: lines[info.id]?.layout.lineInfo(info.id)))
        return nil
    }

    private static func checkIndex(of segment: LineFiles.Segment, in line: LineFiles, against built: SparseIndex, problem: (LogError) -> Void) {
        let path = line.layout.index(line: line.info.id, firstSequence: segment.firstSequence)
        guard line.fs.exists(path) else {
            problem(LogError(.corrupt, "sealed segment has no sparse index (the next writer rebuilds it)", path: path))
            return
        }
        guard let stored = line.storedIndex(of: segment) else {
            problem(LogError(.corrupt, "sparse index is damaged (bad header, size or CRC-32C)", path: path))
            return
        }
        if stored != built {
            problem(LogError(.corrupt, "sparse index does not match the segment's records", path: path))
        }
    }
}
