/// A store's whole history, read-only, whatever holds it: a folder (`LogStore`) or a
/// PostgreSQL database (the PostgresLog module). Replay, the state hash and `gesal-log copy`
/// work through this, so both backends give the same states from the same records.
public protocol EventHistory: Sendable {
    /// Where the history lives, fit to print: a folder, or a URL without its password.
    var location: String { get }
    /// Every branch and where it points.
    func branches() throws(LogError) -> [String: BranchRef]
    /// The last sequence number visible on `branch` (0 when it is empty).
    func head(of branch: String) throws(LogError) -> UInt64
    /// Calls `body` with the events of `branch` from `from` through `through` (default: the
    /// head), in order. Callers use `forEachEvent`, which has the defaults.
    func visitEvents(branch: String, from: UInt64, through: UInt64?, _ body: (Event) throws -> Void) throws
    /// As `visitEvents`, for the events whose type is one of `types` only. A folder store
    /// decompresses only the records whose headers list one of them (replay looks for its
    /// snapshots this way); the default reads every event and filters.
    func visitEvents(ofTypes types: Set<String>, branch: String, through: UInt64?, _ body: (Event) throws -> Void) throws
    /// A blob's bytes, checked against its hash.
    func blob(_ hash: Hash256) throws(LogError) -> [UInt8]
    /// Every stored blob's hash.
    func blobHashes() throws(LogError) -> [Hash256]
    /// Every change of a branch's ref, oldest first.
    func reflog() throws(LogError) -> [ReflogEntry]
    /// Every line (a run of records one branch appended in place), by id.
    func lines() throws(LogError) -> [LineInfo]
    /// The record of `branch` that holds `sequence`: its last sequence and its SHA-256, which
    /// through the chain commits to the whole history up to its end (what `sign` signs).
    func record(holding sequence: UInt64, on branch: String) throws(LogError) -> (end: UInt64, hash: Hash256)
    /// The last sequence number stored on `line` (its fork when it holds no record).
    func tip(of line: Int) throws(LogError) -> UInt64
    /// Calls `body` with each record of `line`, in order, as stored.
    func forEachRecord(line: Int, _ body: (StoredRecord) throws -> Void) throws
}

extension EventHistory {
    /// Calls `body` with the events of `branch` from `from` through `through` (default: the
    /// head), in order.
    public func forEachEvent(branch: String = "main", from: UInt64 = 1, through: UInt64? = nil, _ body: (Event) throws -> Void) throws {
        try visitEvents(branch: branch, from: from, through: through, body)
    }

    public func visitEvents(ofTypes types: Set<String>, branch: String, through: UInt64?, _ body: (Event) throws -> Void) throws {
        try visitEvents(branch: branch, from: 1, through: through) { event in
            if types.contains(event.type) { try body(event) }
        }
    }

    /// The events of `branch` in a range, collected.
    public func events(branch: String = "main", from: UInt64 = 1, through: UInt64? = nil) throws -> [Event] {
        var events: [Event] = []
        try forEachEvent(branch: branch, from: from, through: through) { events.append($0) }
        return events
    }

    /// The blob named by `hex`, as events write blob ids; an id that is not 64 hex digits is
    /// refused by name.
    public func blob(hex: String) throws(LogError) -> [UInt8] {
        guard let hash = Hash256(hex: hex) else { throw LogError(.invalidArgument, "'\(hex)' is not a blob id (64 hex digits)") }
        return try blob(hash)
    }
}
