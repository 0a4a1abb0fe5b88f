/// Where everything of a store lives on disk (see docs/log-format.md).
///
/// ```
/// STORE/manifest.json      format version, durability policy, segment size
/// STORE/LOCK               flock(2)-ed by the one writer
/// STORE/refs.json          branch -> (line, head)
/// STORE/reflog.jsonl       every ref change, enough to undo it
/// STORE/lines/000001/      line.json, NNNN….seg, NNNN….idx, quarantine/
/// STORE/blobs/ab/abcd….lz4 content-addressed blobs, one LZ4 frame each
/// ```
struct StoreLayout: Sendable {
    let root: String

    var manifest: String { root + "/" + Manifest.fileName }
    var lock: String { root + "/LOCK" }
    var refs: String { root + "/" + Refs.fileName }
    var reflog: String { root + "/" + ReflogEntry.fileName }
    var lines: String { root + "/lines" }
    var blobs: String { root + "/blobs" }

    func line(_ id: Int) -> String {
        let digits = String(id)
        return lines + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    func lineInfo(_ id: Int) -> String { line(id) + "/" + LineInfo.fileName }

    func segment(line id: Int, firstSequence: UInt64) -> String {
        line(id) + "/" + SegmentFormat.fileName(firstSequence: firstSequence)
    }

    func index(line id: Int, firstSequence: UInt64) -> String {
        let segment = segment(line: id, firstSequence: firstSequence)
        return String(segment.dropLast(SegmentFormat.fileExtension.count)) + SparseIndex.fileExtension
    }

    func quarantine(line id: Int) -> String { line(id) + "/quarantine" }

    func blobDirectory(_ hash: Hash256) -> String { blobs + "/" + hash.hex.prefix(2) }

    func blob(_ hash: Hash256) -> String { blobDirectory(hash) + "/" + hash.hex + ".lz4" }
}
