import Dispatch
import Foundation
import SystemIO

/// The one writer of a store: appends events in group-committed records, manages branches and
/// blobs, and repairs a torn tail when it opens. It holds an advisory `flock` on `STORE/LOCK`,
/// so a second writer gets a clear error instead of interleaving records.
///
/// All file state sits behind one mutex: the writer is safe to share between threads, and
/// appends from several threads are serialised into whole records.
public final class LogWriter: HistoryWriter {
    public let store: LogStore
    /// What recovery repaired when this writer opened the store.
    public let recovered: [RecoveryAction]
    let state: Locked<WriterState>
    private let timer: Locked<IntervalTimer?>

    // MARK: Opening

    /// Creates a new, empty store with one branch, `main`.
    public static func create(at path: String, options: StoreOptions = StoreOptions(), syscalls: Syscalls = .live) throws(LogError) -> LogWriter {
        let fs = FileSystem(syscalls: syscalls)
        let layout = StoreLayout(root: path)
        if fs.exists(layout.manifest) { throw LogError(.invalidArgument, "a store already exists here", path: path) }
        // A store whose manifest was lost still holds every branch, the reflog and the events:
        // creating over it would rewrite refs.json and reflog.jsonl and lose them.
        let remains = [layout.refs, layout.reflog, layout.lines, layout.blobs].filter { fs.exists($0) }
        guard remains.isEmpty else {
            throw LogError(.invalidArgument, "this folder holds a store whose \(Manifest.fileName) is missing (found "
                + remains.map { String($0.dropFirst(path.count + 1)) }.joined(separator: ", ")
                + "); refusing to create a store over it. Rebuild the manifest with `gesal-log recover --store \(path)`", path: path)
        }
        guard options.segmentBytes >= 4096 else { throw LogError(.invalidArgument, "segment size must be at least 4096 bytes") }
        try io {
            try fs.createDirectory(path, durable: true)
            try fs.createDirectory(layout.lines, durable: true)
            try fs.createDirectory(layout.line(1), durable: true)
            try fs.writeAtomically(layout.lineInfo(1), StoreJSON.encode(LineInfo(id: 1, parent: nil, fork: 0, owner: "main")))
            try fs.writeAtomically(layout.reflog, StoreJSON.encodeLine(ReflogEntry(
                time: timestamp(), branch: "main", action: .create, old: nil, new: BranchRef(line: 1),
                oldHead: nil, newHead: 0, message: "store created")))
            try fs.writeAtomically(layout.refs, StoreJSON.encode(Refs(branches: ["main": BranchRef(line: 1)])))
            // The manifest goes last: a folder without one is not (yet) a store.
            try fs.writeAtomically(layout.manifest, StoreJSON.encode(Manifest(options: options)))
        }
        return try LogWriter(at: path, syscalls: syscalls)
    }

    /// Writes a new `manifest.json` for a store folder that lost it, and returns the options it
    /// records. The folder must still hold `refs.json` and `lines/`. The manifest's settings are
    /// recorded nowhere else, so they are guessed: durability `always` (the safe choice), and a
    /// segment size large enough for every segment present (at least the default).
    public static func rebuildManifest(at path: String, syscalls: Syscalls = .live) throws(LogError) -> StoreOptions {
        let fs = FileSystem(syscalls: syscalls)
        let layout = StoreLayout(root: path)
        guard !fs.exists(layout.manifest) else { throw LogError(.invalidArgument, "the store has a \(Manifest.fileName); nothing to rebuild", path: path) }
        guard fs.exists(layout.refs), fs.isDirectory(layout.lines) else {
            throw LogError(.notAStore, "not a GESAL store: neither \(Manifest.fileName) nor refs.json and lines/ are here", path: path)
        }
        var options = StoreOptions()
        for line in try io({ try fs.list(layout.lines) }) {
            for name in try io({ try fs.list(layout.lines + "/" + line) }) where name.hasSuffix(SegmentFormat.fileExtension) {
                let size = try io { () throws -> Int64 in
                    let file = try fs.open(layout.lines + "/" + line + "/" + name, .readOnly)
                    defer { try? file.close() }
                    return try file.size()
                }
                while Int64(options.segmentBytes) < size { options.segmentBytes *= 2 }
            }
        }
        try io { try fs.writeAtomically(layout.manifest, StoreJSON.encode(Manifest(options: options))) }
        return options
    }

    /// Opens an existing store for writing: takes the lock and recovers every line's tail.
    public init(at path: String, syscalls: Syscalls = .live) throws(LogError) {
        let store = try LogStore(at: path, syscalls: syscalls)
        let lockFile = try io { try store.fs.open(store.layout.lock, .readWrite) }
        let locked: Bool
        do {
            locked = try lockFile.tryLock(exclusive: true)
        } catch {
            try? lockFile.close()
            throw LogError(error as! SystemError)
        }
        guard locked else {
            let holder = (try? lockFile.readAll()).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            try? lockFile.close()
            throw LogError(.locked, "another process (pid \(holder.trimmingCharacters(in: .whitespacesAndNewlines))) is writing to this store; one writer at a time", path: store.layout.lock)
        }
        do {
            try lockFile.truncate(to: 0)
            try lockFile.write(Array("\(getpid())\n".utf8), at: 0)
        } catch {
            try? lockFile.close()
            throw LogError(error as! SystemError)
        }
        var state = WriterState(store: store, lockFile: lockFile)
        let actions: [RecoveryAction]
        do {
            actions = try state.recoverAll()
        } catch {
            state.closeFiles()
            throw error
        }
        self.store = store
        self.recovered = actions
        self.state = Locked(state)
        self.timer = Locked(nil)
        if case .interval(let milliseconds) = store.options.durability { startTimer(milliseconds: milliseconds) }
    }

    deinit {
        try? close()
    }

    // MARK: Appending

    /// Appends `events` to `branch` as one record and returns their sequence numbers. Returns
    /// once the record is as durable as the store's policy says.
    @discardableResult
    public func append(_ events: [EventDraft], to branch: String = "main", timeNanos: Int64? = nil) throws(LogError) -> ClosedRange<UInt64> {
        try append(events, to: branch, expectedHead: nil, timeNanos: timeNanos)
    }

    /// Appends as `append(_:to:timeNanos:)` does, only if `branch`'s head is `expectedHead`
    /// (checked under the writer's lock, so no append of another thread can come between).
    @discardableResult
    public func append(_ events: [EventDraft], to branch: String, expectedHead: UInt64?) throws(LogError) -> ClosedRange<UInt64> {
        try append(events, to: branch, expectedHead: expectedHead, timeNanos: nil)
    }

    private func append(_ events: [EventDraft], to branch: String, expectedHead: UInt64?, timeNanos: Int64?) throws(LogError) -> ClosedRange<UInt64> {
        try state.withLock { state throws(LogError) in
            if let expectedHead, let ref = state.refs.branches[branch], state.head(of: ref) != expectedHead {
                throw LogError(.conflict, "branch '\(branch)' is at \(state.head(of: ref)), not at \(expectedHead) where this append was decided", path: store.path)
            }
            return try state.append(events, to: branch, timeNanos: timeNanos ?? currentTimeNanos())
        }
    }

    public var history: any EventHistory { store }

    /// The writer holds the store's lock: no one else appends.
    public var isShared: Bool { false }

    public func reserveNumbers(_ name: String, count: Int, above floor: Int) throws(LogError) -> ClosedRange<Int>? { nil }

    /// Stores a blob (durably unless the policy is `none`) and returns its hash.
    @discardableResult
    public func putBlob(_ bytes: [UInt8]) throws(LogError) -> Hash256 {
        try state.withLock { state throws(LogError) in
            try state.checkOpen()
            return try state.store.blobs.put(bytes, durable: state.store.options.durability != .none)
        }
    }

    /// Makes everything appended so far durable now, whatever the policy.
    public func sync() throws(LogError) {
        try state.withLock { state throws(LogError) in try state.syncDirty(all: true) }
    }

    // MARK: Branches

    /// Creates `name` pointing at sequence `at` (default: the head) of `source`. No records are
    /// copied: the new branch reads its past from `source`'s line.
    public func createBranch(_ name: String, from source: String = "main", at sequence: UInt64? = nil) throws(LogError) {
        try state.withLock { state throws(LogError) in try state.createBranch(name, from: source, at: sequence) }
    }

    /// Moves `branch`'s head to `sequence` (back, or forward again up to what its line holds).
    /// Records are never deleted; the reflog entry lets `undoReset` move it back.
    public func reset(_ branch: String, to sequence: UInt64) throws(LogError) {
        try state.withLock { state throws(LogError) in try state.reset(branch, to: sequence) }
    }

    /// Restores `branch` to where it was before its last reset (or undo).
    public func undoReset(_ branch: String) throws(LogError) {
        try state.withLock { state throws(LogError) in try state.undoReset(branch) }
    }

    // MARK: Closing

    /// Syncs what the policy would still sync, closes the files and releases the lock.
    public func close() throws(LogError) {
        let current = timer.withLock { timer in
            let current = timer
            timer = nil
            return current
        }
        current?.source.cancel()
        try state.withLock { state throws(LogError) in
            guard !state.closed else { return }
            defer { state.closeFiles() }
            try state.trimAll()
            if state.store.options.durability != .none { try state.syncDirty(all: false) }
        }
    }

    private func startTimer(milliseconds: Int) {
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        source.schedule(deadline: .now() + .milliseconds(milliseconds), repeating: .milliseconds(milliseconds))
        source.setEventHandler { [weak self] in
            self?.state.withLock { state in state.syncInBackground() }
        }
        source.resume()
        let box = IntervalTimer(source: source)
        timer.withLock { $0 = box }
    }
}

/// Nanoseconds since the Unix epoch, from `clock_gettime(CLOCK_REALTIME)`.
public func currentTimeNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// An ISO 8601 UTC time for the reflog.
func timestamp() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
}

/// The interval policy's timer. Dispatch sources are thread-safe (cancel and the handler may
/// run on any thread) but are not marked `Sendable`; this box says so in one place.
private final class IntervalTimer: @unchecked Sendable {
    let source: DispatchSourceTimer

    init(source: DispatchSourceTimer) {
        self.source = source
    }
}
