import Glibc
import SystemIO

/// Everything the writer owns, guarded by `LogWriter`'s mutex.
struct WriterState: Sendable {
    let store: LogStore
    var lockFile: FileDescriptor
    var refs = Refs(branches: [:])
    var lines: [Int: LineInfo] = [:]
    var active: [Int: ActiveSegment] = [:]
    /// While recovering: per line, the highest sequence on it that a branch, a child line or
    /// the reflog refers to, and who.
    private var referenced: [Int: (sequence: UInt64, by: String)] = [:]
    /// Lines with writes not yet fsync-ed (policy `interval` or `none`).
    var dirty: Set<Int> = []
    /// An fsync failure from the interval timer, reported by the next call.
    var backgroundError: LogError?
    var closed = false

    init(store: LogStore, lockFile: FileDescriptor) {
        self.store = store
        self.lockFile = lockFile
    }

    var fs: FileSystem { store.fs }
    var layout: StoreLayout { store.layout }
    var durable: Bool { store.options.durability != .none }

    func checkOpen() throws(LogError) {
        guard !closed else { throw LogError(.invalidArgument, "the writer is closed") }
    }

    // MARK: Recovery

    /// Loads refs and lines and opens every line's last segment, cutting torn tails.
    mutating func recoverAll() throws(LogError) -> [RecoveryAction] {
        refs = try StoreJSON.decode(Refs.self, from: io { try fs.read(layout.refs) }, path: layout.refs)
        var actions: [RecoveryAction] = []
        for id in try store.lineIDs() {
            let line = try store.line(id)
            guard line.info.id == id else { throw LogError(.corrupt, "line.json says id \(line.info.id)", path: layout.lineInfo(id)) }
            lines[id] = line.info
        }
        noteReferences()
        for id in lines.keys.sorted() {
            active[id] = try recoverLine(id, actions: &actions)
        }
        try removeStaleTemporaryFiles(actions: &actions)
        for (name, ref) in refs.branches {
            guard let line = active[ref.line] else {
                throw LogError(.corrupt, "branch '\(name)' points at line \(ref.line), which does not exist", path: layout.refs)
            }
            if let head = ref.head, head >= line.nextSequence {
                throw LogError(.corrupt, "branch '\(name)' has head \(head) but its line ends at \(line.nextSequence - 1)", path: layout.refs)
            }
        }
        return actions
    }

    /// Collects what refers to sequences of each line: a recovery that cut below them would
    /// let new appends reuse numbers a branch forked at, and that branch would silently show
    /// events it never had.
    private mutating func noteReferences() {
        func note(_ line: Int, _ sequence: UInt64, _ who: @autoclosure () -> String) {
            guard let info = lines[line], sequence > info.fork, sequence > (referenced[line]?.sequence ?? 0) else { return }
            referenced[line] = (sequence, who())
        }
        for info in lines.values {
            if let parent = info.parent { note(parent, info.fork, "line \(info.id) (forked there)") }
        }
        for (name, ref) in refs.branches {
            if let head = ref.head { note(ref.line, head, "branch '\(name)' (its head)") }
        }
        // A reflog that does not parse is reported by `verify`; what parses still counts.
        for entry in (try? store.reflog()) ?? [] {
            note(entry.new.line, entry.new.head ?? entry.newHead, "the reflog (branch '\(entry.branch)')")
            if let old = entry.old, let oldHead = entry.oldHead { note(old.line, old.head ?? oldHead, "the reflog (branch '\(entry.branch)')") }
        }
    }

    /// Refuses to recover line `id` to `last` when something refers to a later sequence.
    private func checkReferences(line id: Int, keeping last: UInt64, path: String, offset: Int) throws(LogError) {
        guard let reference = referenced[id], reference.sequence > last else { return }
        throw LogError(.corrupt, "this line now ends at sequence \(last), but \(reference.by) refers to sequence \(reference.sequence): "
            + "records are missing, not torn. Refusing to recover, since new appends would reuse those numbers; restore the "
            + "segment from a copy (`gesal-log verify` lists what is damaged)", path: path, offset: Int64(offset))
    }

    /// Opens a line's last segment for appending. A torn tail is cut (and saved in
    /// `quarantine/`); a bad record with whole records after it is refused.
    private mutating func recoverLine(_ id: Int, actions: inout [RecoveryAction]) throws(LogError) -> ActiveSegment {
        var line = try store.line(id)
        // A crash while a segment was being created leaves a file shorter than its header.
        if let last = line.segments.last, let bytes = try? line.bytes(of: last), bytes.count < SegmentFormat.headerLength {
            let saved = try quarantine(bytes, line: id, name: last.path, offset: 0)
            try io { try fs.remove(last.path) }
            actions.append(RecoveryAction(path: last.path, offset: 0, bytesCut: bytes.count, reason: "segment header never finished", savedTo: saved))
            line = try store.line(id)
        }
        for segment in line.segments.dropLast() where line.storedIndex(of: segment) == nil {
            let scan = try line.scan(segment, hashes: false)
            if case .clean = scan.tail {} else {
                throw LogError(.corrupt, "sealed segment has a bad record", path: segment.path, offset: Int64(scan.validEnd))
            }
            try writeIndex(scan.index, line: id, firstSequence: segment.firstSequence)
            actions.append(RecoveryAction(path: segment.path, offset: 0, bytesCut: 0, reason: "rebuilt missing sparse index", savedTo: nil))
        }
        guard let last = line.segments.last else {
            try checkReferences(line: id, keeping: line.info.fork, path: layout.line(id), offset: 0)
            let first = line.info.fork + 1
            return try createSegment(line: id, firstSequence: first, previousHash: hashOfRecord(containing: line.info.fork, line: line.info))
        }

        let bytes = try line.bytes(of: last)
        var scan = try line.scan(bytes, of: last, hashes: false)
        try checkReferences(line: id, keeping: scan.records.last?.lastSequence ?? (last.firstSequence - 1), path: last.path, offset: scan.validEnd)
        switch scan.tail {
        case .clean:
            break
        case .corrupt(let offset, let reason):
            throw LogError(.corrupt, "\(reason); whole records follow, so this is damage, not a torn write. Refusing to open; run `gesal-log verify` for details", path: last.path, offset: Int64(offset))
        case .torn(let offset, let reason):
            let cut = Array(bytes[offset...])
            let saved = try quarantine(cut, line: id, name: last.path, offset: offset)
            try io {
                let file = try fs.open(last.path, .readWrite)
                defer { try? file.close() }
                try file.truncate(to: Int64(offset))
                try file.syncData()
            }
            actions.append(RecoveryAction(path: last.path, offset: Int64(offset), bytesCut: cut.count, reason: reason, savedTo: saved))
            scan.tail = .clean
        }

        let lastHash: Hash256
        let nextSequence: UInt64
        if let record = scan.records.last {
            lastHash = bytes.withUnsafeBytes { Hash256.of(UnsafeRawBufferPointer(rebasing: $0[record.offset..<(record.offset + record.length)])) }
            nextSequence = record.lastSequence + 1
        } else {
            nextSequence = last.firstSequence
            lastHash = try hashOfRecord(containing: last.firstSequence - 1, line: line.info)
        }
        let file = try io { try fs.open(last.path, .readWrite) }
        return ActiveSegment(line: id, file: file, firstSequence: last.firstSequence, end: scan.validEnd,
                             allocated: try io { Int(try file.size()) }, nextSequence: nextSequence,
                             lastHash: lastHash, index: scan.index)
    }

    /// Removes the temporary files a writer killed between writing and renaming left behind
    /// (`NAME.tmp-PID-HEX`, see `writeAtomically`), in the folders only a writer writes to,
    /// and only when their process is gone: the target they were to replace is intact, so
    /// nothing is lost.
    private func removeStaleTemporaryFiles(actions: inout [RecoveryAction]) throws(LogError) {
        var folders = [layout.root, layout.blobs]
        for id in lines.keys.sorted() { folders += [layout.line(id), layout.quarantine(line: id)] }
        if fs.isDirectory(layout.blobs) {
            folders += try io { try fs.list(layout.blobs) }.map { layout.blobs + "/" + $0 }.filter { fs.isDirectory($0) }
        }
        for folder in folders where fs.isDirectory(folder) {
            for name in try io({ try fs.list(folder) }) {
                guard let pid = FileSystem.temporaryFileWriter(name), pid != getpid(), !fs.syscalls.processExists(pid) else { continue }
                let path = folder + "/" + name
                try io { try fs.remove(path) }
                actions.append(RecoveryAction(path: path, offset: 0, bytesCut: 0,
                                              reason: "removed a temporary file left by writer pid \(pid), which is gone (its target is intact)", savedTo: nil))
            }
        }
    }

    /// Saves bytes cut from a segment under the line's `quarantine/` folder.
    private func quarantine(_ bytes: [UInt8], line: Int, name: String, offset: Int) throws(LogError) -> String {
        let folder = layout.quarantine(line: line)
        let base = name.split(separator: "/").last.map(String.init) ?? "segment"
        let path = folder + "/" + base + ".at-\(offset).\(currentTimeNanos()).torn"
        try io {
            try fs.createDirectory(folder, durable: true)
            try fs.writeAtomically(path, bytes)
        }
        return path
    }

    /// The SHA-256 of the record holding `sequence` in the history of `line` (zero for 0):
    /// what the first record of a line forked at `sequence` chains to.
    func hashOfRecord(containing sequence: UInt64, line info: LineInfo) throws(LogError) -> Hash256 {
        guard sequence > 0 else { return .zero }
        let (record, path) = try record(containing: sequence, line: info)
        guard let hash = record.hash else { throw LogError(.corrupt, "no record holds sequence \(sequence)", path: path) }
        return hash
    }

    /// The record holding `sequence` (at least 1) in the history of `line`, and its segment's path.
    func record(containing sequence: UInt64, line info: LineInfo) throws(LogError) -> (SegmentScan.Record, String) {
        var current = info
        while sequence <= current.fork {
            guard let parent = current.parent, let parentInfo = lines[parent] else {
                throw LogError(.corrupt, "sequence \(sequence) is before the start of line \(current.id)", path: layout.lineInfo(current.id))
            }
            current = parentInfo
        }
        let line = try store.line(current.id)
        guard let segment = line.segments.last(where: { $0.firstSequence <= sequence }) else {
            throw LogError(.corrupt, "no segment holds sequence \(sequence)", path: layout.line(current.id))
        }
        let scan = try line.scan(segment, hashes: true)
        guard let record = scan.records.first(where: { $0.firstSequence <= sequence && sequence <= $0.lastSequence }) else {
            throw LogError(.corrupt, "no record holds sequence \(sequence)", path: segment.path)
        }
        return (record, segment.path)
    }

    // MARK: Appending

    mutating func append(_ events: [EventDraft], to branch: String, timeNanos: Int64) throws(LogError) -> ClosedRange<UInt64> {
        try checkOpen()
        if let error = backgroundError { throw error }
        guard !events.isEmpty else { throw LogError(.invalidArgument, "nothing to append") }
        guard events.count <= RecordFormat.maxEvents else { throw LogError(.invalidArgument, "at most \(RecordFormat.maxEvents) events in one batch") }
        var payloadBytes = 0
        for event in events {
            guard event.type.utf8.count <= RecordFormat.maxTypeNameBytes else {
                throw LogError(.invalidArgument, "event type '\(event.type.prefix(40))…' is longer than 255 bytes")
            }
            guard event.blobs.count <= RecordFormat.maxBlobsPerEvent else {
                throw LogError(.invalidArgument, "an event refers to more than 255 blobs")
            }
            for blob in event.blobs where !store.blobs.contains(blob) {
                throw LogError(.blobMissing, "event refers to blob \(blob.hex), which is not stored; put it first")
            }
            payloadBytes += event.payload.count
        }
        guard payloadBytes <= RecordFormat.maxPayloadBytes else { throw LogError(.invalidArgument, "a batch may hold at most 1 GiB of payload") }
        guard let ref = refs.branches[branch] else { throw LogError(.unknownBranch, "no branch named '\(branch)'") }

        let id = (ref.head == nil && lines[ref.line]?.owner == branch) ? ref.line : try forkLine(for: branch, ref: ref)
        // Taken out of the dictionary while it changes, so its index array is never shared
        // (and never copied) when a new entry is noted.
        var segment = active.removeValue(forKey: id)!
        defer { active[id] = segment }
        let record = RecordCodec.encode(events, firstSequence: segment.nextSequence, timeNanos: timeNanos, previousHash: segment.lastHash)
        return try commit(record, events: events.count, to: &segment)
    }

    /// Writes an encoded record at the end of its line (starting a new segment when this one
    /// is full) and advances the line's sequence and chain.
    mutating func commit(_ record: [UInt8], events count: Int, to segment: inout ActiveSegment) throws(LogError) -> ClosedRange<UInt64> {
        if segment.end > SegmentFormat.headerLength && segment.end + record.count > store.options.segmentBytes {
            try roll(&segment)
        }
        try write(record, to: &segment)
        let first = segment.nextSequence
        segment.index.note(sequence: first, offset: segment.end, end: segment.end + record.count)
        segment.end += record.count
        segment.nextSequence += UInt64(count)
        segment.lastHash = Hash256.of(record)
        return first...(segment.nextSequence - 1)
    }

    /// Writes one record at the segment's end and syncs it as the policy says. In
    /// preallocated space the same `pwrite` also lays a new padding header after the record,
    /// so the segment stays a clean LZ4 stream. On failure the bytes past `end` are cut (now
    /// if possible, else before the next write), so a failed append leaves nothing
    /// half-visible and a later append starts from a clean tail.
    private mutating func write(_ record: [UInt8], to segment: inout ActiveSegment) throws(LogError) {
        let file = segment.file
        let end = Int64(segment.end)
        let preallocation = store.options.preallocationBytes
        do {
            if segment.tailDirty {
                try file.truncate(to: end)
                segment.allocated = segment.end
                segment.tailDirty = false
            }
            var bytes = record
            if preallocation > 0 {
                let recordEnd = segment.end + record.count
                if recordEnd + SegmentFormat.paddingHeaderLength > segment.allocated {
                    try preallocate(&segment, through: recordEnd + SegmentFormat.paddingHeaderLength, chunk: preallocation)
                }
                bytes += SegmentFormat.paddingHeader(contentLength: segment.allocated - recordEnd - SegmentFormat.paddingHeaderLength)
            }
            try file.write(bytes, at: end)
            switch store.options.durability {
            case .always: try file.syncData()
            case .interval, .none: dirty.insert(segment.line)
            }
        } catch {
            segment.tailDirty = true
            if (try? file.truncate(to: end)) != nil { segment.tailDirty = false }
            segment.allocated = segment.end
            throw LogError(error as! SystemError)
        }
    }

    /// Zeroes and syncs the segment from its allocated end through at least `needed` bytes
    /// (a `chunk` at a time, within the segment size), then pads from `end` to the new size.
    /// Later appends overwrite blocks that already exist, and their `fdatasync` then has no
    /// metadata to journal.
    private func preallocate(_ segment: inout ActiveSegment, through needed: Int, chunk: Int) throws {
        let target = max(needed, min(segment.allocated + chunk, store.options.segmentBytes))
        var offset = segment.allocated
        try Self.zeros.withUnsafeBytes { zeros in
            while offset < target {
                let count = min(zeros.count, target - offset)
                try segment.file.write(UnsafeRawBufferPointer(rebasing: zeros[0..<count]), at: Int64(offset))
                offset += count
            }
        }
        let padding = SegmentFormat.paddingHeader(contentLength: target - segment.end - SegmentFormat.paddingHeaderLength)
        try segment.file.write(padding, at: Int64(segment.end))
        try segment.file.syncData()
        segment.allocated = target
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 20)

    /// Cuts the preallocated space after the last record (on seal and close), so segments at
    /// rest end with their last record.
    private func trim(_ segment: inout ActiveSegment) throws {
        guard segment.allocated > segment.end else { return }
        try segment.file.truncate(to: Int64(segment.end))
        segment.allocated = segment.end
        if durable { try segment.file.syncData() }
    }

    /// Seals a full segment (trimming it and writing its index) and starts the next one.
    private mutating func roll(_ segment: inout ActiveSegment) throws(LogError) {
        try io {
            try trim(&segment)
            if dirty.contains(segment.line) { try segment.file.syncData() }
        }
        dirty.remove(segment.line)
        try writeIndex(segment.index, line: segment.line, firstSequence: segment.firstSequence)
        let next = try createSegment(line: segment.line, firstSequence: segment.nextSequence, previousHash: segment.lastHash)
        try? segment.file.close()
        segment = next
    }

    private func writeIndex(_ index: SparseIndex, line: Int, firstSequence: UInt64) throws(LogError) {
        try io { try fs.writeAtomically(layout.index(line: line, firstSequence: firstSequence), index.encoded()) }
    }

    /// Creates a segment file holding only its header, durably. The header is written under
    /// a temporary name and renamed into place, so a reader listing the line never meets a
    /// segment shorter than its header (a crash leaves only the temporary file, which the
    /// next writer removes).
    func createSegment(line: Int, firstSequence: UInt64, previousHash: Hash256) throws(LogError) -> ActiveSegment {
        let path = layout.segment(line: line, firstSequence: firstSequence)
        guard !fs.exists(path) else { throw LogError(.corrupt, "a segment starting at sequence \(firstSequence) already exists", path: path) }
        let header = SegmentFormat.header(line: line, firstSequence: firstSequence)
        let temporary = FileSystem.temporaryName(for: path)
        let file = try io { try fs.open(temporary, .createNew) }
        var renamed = false
        do {
            try file.write(header, at: 0)
            if durable { try file.syncData() }
            try fs.rename(temporary, to: path)
            renamed = true
            if durable { try fs.syncDirectory(layout.line(line)) }
        } catch {
            try? file.close()
            try? fs.remove(renamed ? path : temporary)
            throw LogError(error as! SystemError)
        }
        var index = SparseIndex()
        index.coveredLength = header.count
        return ActiveSegment(line: line, file: file, firstSequence: firstSequence, end: header.count, allocated: header.count,
                             nextSequence: firstSequence, lastHash: previousHash, index: index)
    }

    /// A branch whose head is not its own line's tip appends to a new line forked at its head.
    private mutating func forkLine(for branch: String, ref: BranchRef) throws(LogError) -> Int {
        let head = ref.head ?? (active[ref.line]!.nextSequence - 1)
        var owner = lines[ref.line]!
        while head <= owner.fork, let parent = owner.parent { owner = lines[parent]! }
        let id = (lines.keys.max() ?? 0) + 1
        let info = LineInfo(id: id, parent: head == 0 ? nil : owner.id, fork: head, owner: branch)
        let previousHash = try hashOfRecord(containing: head, line: owner)
        try io {
            try fs.createDirectory(layout.line(id), durable: durable)
            try fs.writeAtomically(layout.lineInfo(id), StoreJSON.encode(info))
        }
        active[id] = try createSegment(line: id, firstSequence: head + 1, previousHash: previousHash)
        lines[id] = info
        try updateRef(branch, to: BranchRef(line: id), action: .fork, message: "appending after head \(head): new line \(id)")
        return id
    }

    // MARK: Branches

    /// The branch's head, from the writer's own view of its lines.
    func head(of ref: BranchRef) -> UInt64 {
        ref.head ?? (active[ref.line]!.nextSequence - 1)
    }

    mutating func createBranch(_ name: String, from source: String, at sequence: UInt64?) throws(LogError) {
        try checkOpen()
        try validateBranchName(name)
        guard refs.branches[name] == nil else { throw LogError(.branchExists, "a branch named '\(name)' already exists") }
        guard let sourceRef = refs.branches[source] else { throw LogError(.unknownBranch, "no branch named '\(source)'") }
        let sourceHead = head(of: sourceRef)
        let fork = sequence ?? sourceHead
        guard fork <= sourceHead else {
            throw LogError(.badSequence, "sequence \(fork) is past the head of '\(source)' (\(sourceHead))")
        }
        try checkRecordEnd(fork, line: sourceRef.line, verb: "fork at")
        try updateRef(name, to: BranchRef(line: sourceRef.line, head: fork), action: .create, message: "from '\(source)' at \(fork)")
    }

    /// A record is one commit: a head inside it would show half of what was written together
    /// (a feedback without its judgement, a buffer round without its clusters).
    func checkRecordEnd(_ sequence: UInt64, line: Int, verb: String) throws(LogError) {
        guard sequence > 0 else { return }
        let (record, _) = try self.record(containing: sequence, line: lines[line]!)
        guard record.lastSequence == sequence else {
            throw LogError(.badSequence, "sequence \(sequence) is inside a record (sequences \(record.firstSequence) to \(record.lastSequence) "
                + "were committed together); \(verb) \(record.lastSequence) or \(record.firstSequence - 1)")
        }
    }

    mutating func reset(_ branch: String, to sequence: UInt64) throws(LogError) {
        try checkOpen()
        guard let ref = refs.branches[branch] else { throw LogError(.unknownBranch, "no branch named '\(branch)'") }
        let lineEnd = active[ref.line]!.nextSequence - 1
        guard sequence <= lineEnd else {
            throw LogError(.badSequence, "sequence \(sequence) is past what branch '\(branch)' can reach (\(lineEnd))")
        }
        try checkRecordEnd(sequence, line: ref.line, verb: "reset to")
        // Back at its own line's tip, the branch follows the tip (and appends in place) again.
        let owns = lines[ref.line]?.owner == branch
        let new = BranchRef(line: ref.line, head: owns && sequence == lineEnd ? nil : sequence)
        try updateRef(branch, to: new, action: .reset, message: "reset from \(head(of: ref)) to \(sequence)")
    }

    mutating func undoReset(_ branch: String) throws(LogError) {
        try checkOpen()
        guard let current = refs.branches[branch] else { throw LogError(.unknownBranch, "no branch named '\(branch)'") }
        let entries = try store.reflog().filter { $0.branch == branch && ($0.action == .reset || $0.action == .undo) }
        guard let last = entries.last, let old = last.old else {
            throw LogError(.invalidArgument, "branch '\(branch)' has no reset to undo")
        }
        guard active[old.line] != nil else { throw LogError(.corrupt, "reflog names line \(old.line), which does not exist", path: layout.reflog) }
        try updateRef(branch, to: old, action: .undo, message: "undo: back to \(head(of: old)) from \(head(of: current))")
    }

    /// Records a ref change in the reflog (first: a crash in between leaves an entry whose undo
    /// is a no-op, never a change with no way back), then replaces `refs.json`.
    mutating func updateRef(_ branch: String, to new: BranchRef, action: ReflogEntry.Action, message: String) throws(LogError) {
        let old = refs.branches[branch]
        let entry = ReflogEntry(time: timestamp(), branch: branch, action: action, old: old, new: new,
                                oldHead: old.map { head(of: $0) }, newHead: head(of: new), message: message)
        var updated = refs
        updated.branches[branch] = new
        try io {
            let reflog = try fs.open(layout.reflog, .readWrite)
            defer { try? reflog.close() }
            try reflog.write(StoreJSON.encodeLine(entry), at: try reflog.size())
            if durable { try reflog.sync() }
            try fs.writeAtomically(layout.refs, StoreJSON.encode(updated))
        }
        refs = updated
    }

    // MARK: Syncing and closing

    /// fsyncs the lines with unsynced writes (with `all`, even under policy `none`).
    mutating func syncDirty(all: Bool) throws(LogError) {
        try checkOpen()
        guard all || durable else { return }
        for id in dirty.sorted() {
            try io { try active[id]!.file.syncData() }
            dirty.remove(id)
        }
    }

    /// The interval timer's tick: an fsync failure is kept and thrown by the next call, since
    /// appends acknowledged since the last good sync may not be durable.
    mutating func syncInBackground() {
        guard !closed, backgroundError == nil else { return }
        do {
            try syncDirty(all: false)
        } catch {
            backgroundError = error
        }
    }

    /// Trims every active segment's preallocated space (on close).
    mutating func trimAll() throws(LogError) {
        for id in active.keys.sorted() {
            try io { try trim(&active[id]!) }
        }
    }

    mutating func closeFiles() {
        for segment in active.values { try? segment.file.close() }
        active = [:]
        try? lockFile.close()
        closed = true
    }
}
