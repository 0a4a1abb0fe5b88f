import EventLog
import Foundation
import NIOCore
import PostgresNIO

/// A store in a PostgreSQL database: the same lines, records, branches, reflog and blobs as a
/// store folder, one row each (migrations/postgres/). Any number of processes may read and
/// append at once; an append commits only on the head it was decided on (see `append`).
public struct PostgresStore: EventHistory, HistoryWriter {
    let session: PostgresSession

    public var location: String { session.location.display }

    public var history: any EventHistory { self }

    /// Opens the store at `url`, refusing a database with no store, or a schema written by a
    /// newer GESAL. Missing migrations of this build are applied.
    public static func open(_ url: String) throws(LogError) -> PostgresStore {
        let session = try PostgresSession(PostgresLocation(url: url))
        let applied = try PostgresSchema.applied(session)
        try PostgresSchema.check(applied, location: session.location)
        let store = PostgresStore(session: session)
        guard !applied.isEmpty, try store.exists() else {
            throw LogError(.notAStore, "\(session.location.display): no GESAL store in this database (create one with `gesal-log init --store URL`)")
        }
        if applied.count < PostgresSchema.migrations.count { try PostgresSchema.migrate(session) }
        return store
    }

    /// Creates an empty store with one branch, `main`, in the database at `url` (which must
    /// exist). With `empty`, no line and no branch: `copy` fills them in.
    public static func create(_ url: String, empty: Bool = false) throws(LogError) -> PostgresStore {
        let session = try PostgresSession(PostgresLocation(url: url))
        try PostgresSchema.check(try PostgresSchema.applied(session), location: session.location)
        try PostgresSchema.migrate(session)
        let store = PostgresStore(session: session)
        try session.transaction { queries throws(LogError) in
            guard try queries.run("SELECT 1 FROM gesal_manifest").rows.isEmpty else {
                throw LogError(.invalidArgument, "\(session.location.display): a store already exists in this database")
            }
            try queries.run("INSERT INTO gesal_manifest (only_row) VALUES (true)")
            guard !empty else { return }
            try queries.run("INSERT INTO gesal_lines (id, parent, fork, owner, tip, tip_hash) VALUES (1, NULL, 0, 'main', 0, \(Self.bytes(Hash256.zero)))")
            try queries.run("INSERT INTO gesal_branches (name, line, head) VALUES ('main', 1, NULL)")
            try store.addReflog(ReflogEntry(time: Self.now(), branch: "main", action: .create, old: nil, new: BranchRef(line: 1),
                                            oldHead: nil, newHead: 0, message: "store created"), queries)
        }
        return store
    }

    /// Opens the store at `url`, creating it when the database has none. Workers started
    /// together on an empty database may race to create it: the loser finds the manifest row
    /// the winner committed (or conflicts on inserting it), and opens what the winner made.
    public static func openOrCreate(_ url: String) throws(LogError) -> PostgresStore {
        do {
            return try open(url)
        } catch where error.code == .notAStore {
            do {
                return try create(url)
            } catch {
                if let made = try? open(url) { return made }
                throw error
            }
        }
    }

    /// Runs one SQL statement as it is (for tests and maintenance, never with user input).
    public func execute(_ sql: String) throws(LogError) {
        try session.run(PostgresQuery(unsafeSQL: sql))
    }

    /// What `gesal-log stats` counts: records, events, their stored bytes, lines, branches, blobs.
    public func counts() throws(LogError) -> [(name: String, value: Int64)] {
        let row = try session.run("""
            SELECT (SELECT count(*) FROM gesal_records), (SELECT coalesce(sum(last_sequence - first_sequence + 1), 0)::bigint FROM gesal_records),
                   (SELECT coalesce(sum(length(bytes)), 0)::bigint FROM gesal_records), (SELECT count(*) FROM gesal_lines),
                   (SELECT count(*) FROM gesal_branches), (SELECT count(*) FROM gesal_blobs),
                   (SELECT coalesce(sum(length(bytes)), 0)::bigint FROM gesal_blobs)
            """).rows.first
        guard let row else { throw LogError(.corrupt, "\(location): the counts did not answer") }
        let values = try read("the counts") { try row.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64).self) }
        return [("records", values.0), ("events", values.1), ("record_bytes", values.2), ("lines", values.3), ("branches", values.4),
                ("blobs", values.5), ("blob_bytes", values.6)]
    }

    /// Nothing to do: an append is durable once its transaction commits, before it returns.
    public func sync() throws(LogError) {}

    /// Closes this store's connection (appends are durable once they return).
    public func close() throws(LogError) {
        session.close()
    }

    func exists() throws(LogError) -> Bool {
        !(try session.run("SELECT 1 FROM gesal_manifest").rows.isEmpty)
    }

    // MARK: Reading

    public func branches() throws(LogError) -> [String: BranchRef] {
        var branches: [String: BranchRef] = [:]
        for row in try session.run("SELECT name, line, head FROM gesal_branches").rows {
            let (name, line, head) = try read("a branch") { try row.decode((String, Int, Int64?).self) }
            branches[name] = BranchRef(line: line, head: head.map(UInt64.init))
        }
        return branches
    }

    public func head(of branch: String) throws(LogError) -> UInt64 {
        try branchState(branch, session.run).head
    }

    public func visitEvents(branch: String, from: UInt64, through: UInt64?, _ body: (Event) throws -> Void) throws {
        let state = try branchState(branch, session.run)
        let last = through ?? state.head
        guard last <= state.head else { throw LogError(.badSequence, "sequence \(last) is past the head of '\(branch)' (\(state.head))") }
        guard from >= 1, from <= last else { return }
        for (line, range) in try history(line: state.ref.line, head: state.head) {
            let lower = max(range.lowerBound, from), upper = min(range.upperBound, last)
            guard lower <= upper else { continue }
            var expected: UInt64? = nil
            try forEachRecord(line: line, overlapping: lower...upper) { record in
                if let expected, record.firstSequence != expected {
                    throw LogError(.corrupt, "\(location): line \(line): record starts at sequence \(record.firstSequence), expected \(expected)")
                }
                expected = record.lastSequence + 1
                for event in try record.events(source: recordName(line, record.firstSequence)) where (lower...upper).contains(event.sequence) {
                    try body(event)
                }
            }
        }
    }

    public func blob(_ hash: Hash256) throws(LogError) -> [UInt8] {
        guard let row = try session.run("SELECT bytes FROM gesal_blobs WHERE hash = \(Self.bytes(hash))").rows.first else {
            throw LogError(.blobMissing, "\(location): blob \(hash.hex) is not in the store")
        }
        let bytes = try Self.array(read("a blob") { try row.decode(ByteBuffer.self) })
        guard Hash256.of(bytes) == hash else { throw LogError(.corrupt, "\(location): blob content does not match its hash \(hash.hex)") }
        return bytes
    }

    public func blobHashes() throws(LogError) -> [Hash256] {
        try session.run("SELECT hash FROM gesal_blobs ORDER BY hash").rows.map { row throws(LogError) in
            try Self.hash(read("a blob hash") { try row.decode(ByteBuffer.self) }, what: "a blob hash")
        }
    }

    public func reflog() throws(LogError) -> [ReflogEntry] {
        try session.run("SELECT position, entry FROM gesal_reflog ORDER BY position").rows.map { row throws(LogError) in
            let (position, text) = try read("a reflog entry") { try row.decode((Int64, String).self) }
            do { return try JSONDecoder().decode(ReflogEntry.self, from: Data(text.utf8)) } catch {
                throw LogError(.corrupt, "\(location): reflog entry \(position) is not a reflog entry: \(error)")
            }
        }
    }

    public func lines() throws(LogError) -> [LineInfo] {
        try lineRows(session.run).map(\.info)
    }

    public func record(holding sequence: UInt64, on branch: String) throws(LogError) -> (end: UInt64, hash: Hash256) {
        let state = try branchState(branch, session.run)
        guard let record = try record(holding: sequence, line: state.ref.line, head: state.head) else {
            throw LogError(.badSequence, "\(location): sequence \(sequence) is not in the history of '\(branch)' (head \(state.head))")
        }
        return (record.lastSequence, record.hash)
    }

    public func tip(of line: Int) throws(LogError) -> UInt64 {
        guard let row = try lineRows(session.run).first(where: { $0.info.id == line }) else {
            throw LogError(.corrupt, "\(location): no line \(line)")
        }
        return row.tip
    }

    public func forEachRecord(line: Int, _ body: (StoredRecord) throws -> Void) throws {
        try forEachRecord(line: line, overlapping: 0...UInt64(Int64.max), body)
    }

    // MARK: Rows

    struct LineRow {
        var info: LineInfo
        var tip: UInt64
        var tipHash: Hash256

        /// A `gesal_lines` row's columns, as read.
        init(id: Int, parent: Int?, fork: Int64, owner: String, tip: Int64, tipHash: ByteBuffer) throws(LogError) {
            info = LineInfo(id: id, parent: parent, fork: UInt64(fork), owner: owner)
            self.tip = UInt64(tip)
            self.tipHash = try PostgresStore.hash(tipHash, what: "line \(id)'s tip hash")
        }
    }

    struct BranchState {
        var ref: BranchRef
        var line: LineRow
        var head: UInt64
    }

    /// Runs one query: the session's own, or a transaction's (the session's lock is not
    /// reentrant, so code inside a transaction passes the transaction's).
    typealias Run = (PostgresQuery) throws(LogError) -> PostgresQueryResult

    func lineRows(_ run: Run) throws(LogError) -> [LineRow] {
        try run("SELECT id, parent, fork, owner, tip, tip_hash FROM gesal_lines ORDER BY id").rows.map { row throws(LogError) in
            let (id, parent, fork, owner, tip, hash) = try read("a line") { try row.decode((Int, Int?, Int64, String, Int64, ByteBuffer).self) }
            return try LineRow(id: id, parent: parent, fork: fork, owner: owner, tip: tip, tipHash: hash)
        }
    }

    func branchState(_ branch: String, _ run: Run) throws(LogError) -> BranchState {
        let rows = try run("""
            SELECT b.line, b.head, l.parent, l.fork, l.owner, l.tip, l.tip_hash FROM gesal_branches b JOIN gesal_lines l ON l.id = b.line
            WHERE b.name = \(branch)
            """).rows
        guard let row = rows.first else {
            throw LogError(.unknownBranch, "\(location): no branch named '\(branch)' (see `gesal-log branch list`)")
        }
        let (line, head, parent, fork, owner, tip, hash) = try read("branch '\(branch)'") { try row.decode((Int, Int64?, Int?, Int64, String, Int64, ByteBuffer).self) }
        let lineRow = try LineRow(id: line, parent: parent, fork: fork, owner: owner, tip: tip, tipHash: hash)
        return BranchState(ref: BranchRef(line: line, head: head.map(UInt64.init)), line: lineRow, head: head.map(UInt64.init) ?? UInt64(tip))
    }

    /// The lines a head's history runs through, oldest first, with the sequences each gives.
    func history(line: Int, head: UInt64, _ run: Run? = nil) throws(LogError) -> [(line: Int, range: ClosedRange<UInt64>)] {
        let lines = Dictionary(uniqueKeysWithValues: try lineRows(run ?? session.run).map { ($0.info.id, $0.info) })
        var upper = head, parts: [(Int, ClosedRange<UInt64>)] = [], next: Int? = line, seen: Set<Int> = []
        while let id = next {
            guard seen.insert(id).inserted, let info = lines[id] else { throw LogError(.corrupt, "\(location): line \(id) is missing or its own ancestor") }
            if upper > info.fork { parts.append((id, (info.fork + 1)...upper)) }
            upper = min(upper, info.fork)
            next = info.parent
        }
        guard upper == 0 else { throw LogError(.corrupt, "\(location): the history of line \(line) does not reach sequence 1") }
        return parts.reversed()
    }

    /// The record holding `sequence` in the history that ends at `head` of `line`, if any.
    func record(holding sequence: UInt64, line: Int, head: UInt64, _ run: Run? = nil) throws(LogError) -> StoredRecord? {
        guard let part = try history(line: line, head: head, run).first(where: { $0.range.contains(sequence) }) else { return nil }
        return try records(line: part.line, overlapping: sequence...sequence, run).first
    }

    /// Calls `body` with the records of `line` that overlap `range`, in order, fetched `page`
    /// at a time, so a long history never sits in memory whole.
    func forEachRecord(line: Int, overlapping range: ClosedRange<UInt64>, page: Int = 1_000, _ body: (StoredRecord) throws -> Void) throws {
        var lower = range.lowerBound
        while true {
            let batch = try records(line: line, overlapping: lower...range.upperBound, limit: page)
            for record in batch { try body(record) }
            guard batch.count == page, let last = batch.last, last.lastSequence < range.upperBound else { return }
            lower = last.lastSequence + 1
        }
    }

    func records(line: Int, overlapping range: ClosedRange<UInt64>, limit: Int = Int(Int32.max), _ run: Run? = nil) throws(LogError) -> [StoredRecord] {
        let rows = try (run ?? session.run)("""
            SELECT first_sequence, bytes FROM gesal_records
            WHERE line = \(line) AND last_sequence >= \(Int64(range.lowerBound)) AND first_sequence <= \(Int64(clamping: range.upperBound))
            ORDER BY first_sequence LIMIT \(limit)
            """).rows
        return try rows.map { row throws(LogError) in
            let (first, bytes) = try read("a record of line \(line)") { try row.decode((Int64, ByteBuffer).self) }
            let record = try StoredRecord(validating: Self.array(bytes), source: recordName(line, UInt64(first)))
            guard record.firstSequence == UInt64(first) else {
                throw LogError(.corrupt, "record's header says sequence \(record.firstSequence)", path: recordName(line, UInt64(first)))
            }
            return record
        }
    }

    func recordName(_ line: Int, _ first: UInt64) -> String { "\(location) line \(line), record at \(first)" }

    func addReflog(_ entry: ReflogEntry, _ queries: PostgresSession.Queries) throws(LogError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try! encoder.encode(entry), as: UTF8.self)
        try queries.run("INSERT INTO gesal_reflog (entry) VALUES (\(text))")
    }

    /// Runs a row's `decode`, naming `what` did not read.
    func read<T>(_ what: String, _ decode: () throws -> T) throws(LogError) -> T {
        do { return try decode() } catch {
            throw LogError(.corrupt, "\(location): \(what) does not read: \(error)")
        }
    }

    static func bytes(_ hash: Hash256) -> ByteBuffer {
        var bytes: [UInt8] = []
        hash.append(to: &bytes)
        return ByteBuffer(bytes: bytes)
    }

    static func array(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    static func hash(_ buffer: ByteBuffer, what: String) throws(LogError) -> Hash256 {
        guard buffer.readableBytes == 32 else { throw LogError(.corrupt, "\(what) has \(buffer.readableBytes) bytes, not 32") }
        return array(buffer).withUnsafeBytes { Hash256(bytes: $0) }
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
