import Foundation
import SystemIO

/// Read access to a store: branches, events, blobs, the reflog. Any number of processes may
/// read while one `LogWriter` appends; a reader sees every record that was whole when it read.
public struct LogStore: EventHistory {
    public let path: String
    public let options: StoreOptions
    public let blobs: BlobStore
    let layout: StoreLayout
    let fs: FileSystem
    /// Whether a long walk reads and decompresses records on a second thread while this one
    /// decodes their events. The events and errors are the same either way.
    public var readAhead: ReadAhead = .automatic

    /// Whether `path` holds a store. Its manifest is written last, so a folder a crash left
    /// half-created is not one.
    public static func exists(at path: String, syscalls: Syscalls = .live) -> Bool {
        FileSystem(syscalls: syscalls).exists(StoreLayout(root: path).manifest)
    }

    /// Opens the store at `path`, refusing anything that is not a store this build can read.
    public init(at path: String, syscalls: Syscalls = .live) throws(LogError) {
        let fs = FileSystem(syscalls: syscalls)
        let layout = StoreLayout(root: path)
        guard fs.isDirectory(path) else { throw LogError(.notAStore, "no store here (create one with `gesal-log init`)", path: path) }
        guard fs.exists(layout.manifest) else {
            if fs.exists(layout.refs) {
                throw LogError(.notAStore, "\(Manifest.fileName) is missing, but refs.json is here: a store that lost its manifest; "
                    + "`gesal-log recover --store \(path)` rebuilds it", path: path)
            }
            throw LogError(.notAStore, "not a GESAL store: \(Manifest.fileName) is missing", path: path)
        }
        let manifest = try StoreJSON.decode(Manifest.self, from: io { try fs.read(layout.manifest) }, path: layout.manifest)
        guard manifest.format == Manifest.formatName else {
            throw LogError(.notAStore, "not a GESAL store: format is '\(manifest.format)'", path: layout.manifest)
        }
        guard manifest.version <= Manifest.currentVersion else {
            throw LogError(.unsupportedVersion, "store format version \(manifest.version) was written by a newer GESAL; this build reads up to version \(Manifest.currentVersion)", path: layout.manifest)
        }
        self.path = path
        self.options = manifest.options
        self.layout = layout
        self.fs = fs
        self.blobs = BlobStore(layout: layout, fs: fs)
    }

    // MARK: Branches

    /// Every branch and where it points.
    public func branches() throws(LogError) -> [String: BranchRef] {
        try StoreJSON.decode(Refs.self, from: io { try fs.read(layout.refs) }, path: layout.refs).branches
    }

    public func ref(of branch: String) throws(LogError) -> BranchRef {
        guard let ref = try branches()[branch] else {
            throw LogError(.unknownBranch, "no branch named '\(branch)' (see `gesal-log branch list`)", path: layout.refs)
        }
        return ref
    }

    /// The last sequence number visible on `branch` (0 when it is empty).
    public func head(of branch: String) throws(LogError) -> UInt64 {
        try head(of: ref(of: branch))
    }

    func head(of ref: BranchRef) throws(LogError) -> UInt64 {
        if let head = ref.head { return head }
        return try line(ref.line).lastSequence()
    }

    func line(_ id: Int) throws(LogError) -> LineFiles {
        try LineFiles.load(id, layout: layout, fs: fs, readAhead: readAhead)
    }

    /// Every line id in the store.
    func lineIDs() throws(LogError) -> [Int] {
        try io { try fs.list(layout.lines) }.compactMap { Int($0) }
    }

    /// The lines a ref's history runs through, oldest first, with the sequence range each
    /// contributes: `(line.fork, upper]`, where `upper` is the head or the child's fork.
    /// `head`, when the caller has just read it: finding a line's head reads its last segment.
    func history(of ref: BranchRef, head: UInt64? = nil) throws(LogError) -> [(line: LineFiles, range: ClosedRange<UInt64>)] {
        var upper: UInt64
        if let head { upper = head } else { upper = try self.head(of: ref) }
        var parts: [(LineFiles, ClosedRange<UInt64>)] = []
        var next: Int? = ref.line
        var seen: Set<Int> = []
        while let id = next {
            guard seen.insert(id).inserted else { throw LogError(.corrupt, "line \(id) is its own ancestor", path: layout.lineInfo(id)) }
            let line = try line(id)
            if upper > line.info.fork { parts.append((line, (line.info.fork + 1)...upper)) }
            upper = min(upper, line.info.fork)
            next = line.info.parent
        }
        guard upper == 0 else { throw LogError(.corrupt, "history of line \(ref.line) does not reach sequence 1", path: layout.line(ref.line)) }
        return parts.reversed()
    }

    // MARK: Events

    public func visitEvents(branch: String, from: UInt64, through: UInt64?, _ body: (Event) throws -> Void) throws {
        try walk(branch: branch, from: from, through: through, types: nil, body)
    }

    public func visitEvents(ofTypes types: Set<String>, branch: String, through: UInt64?, _ body: (Event) throws -> Void) throws {
        try walk(branch: branch, from: 1, through: through, types: types, body)
    }

    /// `types`: only the records whose headers name one of them are decompressed, and only
    /// their events of those types passed on.
    private func walk(branch: String, from: UInt64, through: UInt64?, types: Set<String>?, _ body: (Event) throws -> Void) throws {
        let ref = try ref(of: branch)
        // A walk on a line that runs to its files' end finds the end itself, and through a
        // target it checks that it got there: reading the head first scanned the last segment
        // once more (`gesal eval --at` read it three times; docs/benchmarks.md, 2026-12-06).
        let open = ref.head == nil
        let head = open ? through ?? UInt64.max : try head(of: ref)
        let last = through ?? head
        guard last <= head else { throw LogError(.badSequence, "sequence \(last) is past the head of '\(branch)' (\(head))") }
        guard from >= 1, from <= last else { return }
        for (line, range) in try history(of: ref, head: head) {
            let lower = max(range.lowerBound, from)
            let upper = min(range.upperBound, last)
            guard lower <= upper else { continue }
            let toEnd = open && line.info.id == ref.line
            let reached = try line.forEachEvent(in: lower...upper, toEnd: toEnd, types: types, body)
            if toEnd, let through, reached ?? 0 < through {
                throw LogError(.badSequence, "sequence \(through) is past the head of '\(branch)' (\(try self.head(of: ref)))")
            }
        }
    }

    /// The record of `branch` that holds `sequence`: its last sequence and the SHA-256 of its
    /// bytes as they are on disk now. Through the chain, that hash commits to the branch's
    /// whole history up to the record's end; `gesal-log sign` signs it.
    public func record(holding sequence: UInt64, on branch: String) throws(LogError) -> (end: UInt64, hash: Hash256) {
        let ref = try ref(of: branch)
        guard let part = try history(of: ref).first(where: { $0.range.contains(sequence) }) else {
            throw LogError(.badSequence, "sequence \(sequence) is not in the history of '\(branch)' (head \(try head(of: ref)))")
        }
        guard let segment = part.line.segments.filter({ $0.firstSequence <= sequence }).max(by: { $0.firstSequence < $1.firstSequence }) else {
            throw LogError(.corrupt, "line \(part.line.info.id) has no segment holding sequence \(sequence)", path: layout.line(part.line.info.id))
        }
        let scan = try part.line.scan(segment, hashes: true)
        guard let record = scan.records.first(where: { $0.firstSequence <= sequence && sequence <= $0.lastSequence }), let hash = record.hash else {
            throw LogError(.corrupt, "no whole record holds sequence \(sequence)", path: segment.path)
        }
        return (record.lastSequence, hash)
    }

    // MARK: History, as every backend gives it

    public var location: String { path }

    public func blob(_ hash: Hash256) throws(LogError) -> [UInt8] {
        try blobs.get(hash)
    }

    public func blobHashes() throws(LogError) -> [Hash256] {
        try blobs.list().map(\.hash)
    }

    public func lines() throws(LogError) -> [LineInfo] {
        try lineIDs().sorted().map { id throws(LogError) in try line(id).info }
    }

    public func tip(of line: Int) throws(LogError) -> UInt64 {
        try self.line(line).lastSequence()
    }

    /// Each whole record of the line; a torn tail (an append in flight) ends the walk, and
    /// damage anywhere is an error naming the segment and offset.
    public func forEachRecord(line id: Int, _ body: (StoredRecord) throws -> Void) throws {
        let line = try line(id)
        for segment in line.segments {
            let bytes = try line.bytes(of: segment)
            let scan = try line.scan(bytes, of: segment, hashes: false)
            for record in scan.records {
                try body(StoredRecord(validating: Array(bytes[record.offset..<(record.offset + record.length)]),
                                      source: "\(segment.path) at offset \(record.offset)"))
            }
            if case .corrupt(let offset, let reason) = scan.tail { throw LogError(.corrupt, reason, path: segment.path, offset: Int64(offset)) }
        }
    }

    // MARK: Tails

    /// Whether a writer holds the store's lock right now (probed with a non-blocking shared
    /// `flock`, released at once). While one does, a short tail may be an append in flight.
    public func writerActive() -> Bool {
        guard let file = try? fs.open(layout.lock, .readOnly) else { return false }
        defer { try? file.close() }
        return (try? file.tryLock(exclusive: false)) == false
    }

    /// A torn tail at the end of any line: records that never finished. Only a problem when no
    /// writer is active; the next writer to open the store cuts them back.
    public func tornTails() throws(LogError) -> [LogError] {
        var problems: [LogError] = []
        for id in try lineIDs() {
            let line = try line(id)
            guard let last = line.segments.last else { continue }
            if case .torn(let offset, let reason) = try line.scan(last, hashes: false).tail {
                problems.append(.tornTail(reason, path: last.path, offset: offset))
            }
        }
        return problems
    }

    // MARK: Reflog

    public func reflog() throws(LogError) -> [ReflogEntry] {
        guard fs.exists(layout.reflog) else { return [] }
        let bytes = try io { try fs.read(layout.reflog) }
        var entries: [ReflogEntry] = []
        for (number, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
            do {
                entries.append(try JSONDecoder().decode(ReflogEntry.self, from: Data(line)))
            } catch {
                throw LogError(.corrupt, "reflog line \(number + 1) is not a reflog entry: \(error)", path: layout.reflog)
            }
        }
        return entries
    }
}
