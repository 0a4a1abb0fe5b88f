/// Checks a history through `EventHistory` alone, so on any backend: every line's records
/// follow on from its fork (sequence numbers and the SHA-256 chain), each record's CRC and
/// structure hold and its events decompress, every blob an event names is stored, and every
/// branch points at a record's end within its line. `StoreVerifier` checks a folder's files
/// too (segment headers, indexes, torn tails); this is what a PostgreSQL store gets.
public enum ChainVerifier {
    public struct Report: Sendable {
        public var lines = 0
        public var records = 0
        public var events = 0
        public var problems: [String] = []
        public var ok: Bool { problems.isEmpty }
    }

    public static func verify(_ history: some EventHistory) -> Report {
        var report = Report()
        do {
            let blobs = Set(try history.blobHashes())
            // The hash of the record ending at each (line, sequence): what a child line's first record chains to.
            var ends: [Int: [UInt64: Hash256]] = [:]
            let lines = try history.lines().sorted { $0.id < $1.id }
            let byID = Dictionary(uniqueKeysWithValues: lines.map { ($0.id, $0) })
            for line in lines {
                report.lines += 1
                var expected = line.fork + 1
                var previous = Hash256.zero
                if line.fork > 0 {
                    guard let found = hashOfRecord(ending: line.fork, from: line.parent, lines: byID, ends: ends) else {
                        report.problems.append("line \(line.id): no record of its parent ends at its fork \(line.fork)")
                        continue
                    }
                    previous = found
                }
                try history.forEachRecord(line: line.id) { record in
                    report.records += 1
                    let place = "line \(line.id), record at \(record.firstSequence)"
                    if record.firstSequence != expected { report.problems.append("\(place): expected sequence \(expected)") }
                    if record.previousHash != previous {
                        report.problems.append("\(place): chains to \(record.previousHash.hex.prefix(16)), the record before is \(previous.hex.prefix(16))")
                    }
                    do {
                        let events = try record.events(source: place)
                        report.events += events.count
                        for blob in Set(events.flatMap(\.blobs)) where !blobs.contains(blob) {
                            report.problems.append("\(place): names blob \(blob.hex.prefix(16)), which is not stored")
                        }
                    } catch {
                        report.problems.append("\(error)")
                    }
                    ends[line.id, default: [:]][record.lastSequence] = record.hash
                    expected = record.lastSequence + 1
                    previous = record.hash
                }
                let tip = try history.tip(of: line.id)
                if tip != expected - 1 { report.problems.append("line \(line.id): its tip says \(tip), its records end at \(expected - 1)") }
            }
            for (name, ref) in try history.branches().sorted(by: { $0.key < $1.key }) {
                guard byID[ref.line] != nil else {
                    report.problems.append("branch '\(name)' points at line \(ref.line), which does not exist")
                    continue
                }
                if let head = ref.head, head > 0, hashOfRecord(ending: head, from: ref.line, lines: byID, ends: ends) == nil {
                    report.problems.append("branch '\(name)': head \(head) is not the end of a record in its history")
                }
            }
        } catch {
            report.problems.append("\(error)")
        }
        return report
    }

    /// The hash of the record ending at `sequence` in the history of `line` (its own records,
    /// then its parent's up to its fork).
    private static func hashOfRecord(ending sequence: UInt64, from line: Int?, lines: [Int: LineInfo], ends: [Int: [UInt64: Hash256]]) -> Hash256? {
        var next = line
        var seen: Set<Int> = []
        while let id = next, let info = lines[id], seen.insert(id).inserted {
            if sequence > info.fork { return ends[id]?[sequence] }
            next = info.parent
        }
        return nil
    }
}
