import EventLog
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Appends `events` to `branch` as one record and returns their sequence numbers.
    ///
    /// Optimistic concurrency: with `expectedHead`, the record commits only if the branch's
    /// head is still that one (the head the caller's decision was made on); otherwise nothing
    /// is written and the error's code is `.conflict`. Two appends decided on the same head both
    /// claim the same `(line, first_sequence)`: the primary key lets one commit, the other gets
    /// `.conflict` too. Durability is PostgreSQL's commit. Followers hear of it on
    /// `LISTEN gesal_appended` (payload: branch and new head).
    @discardableResult
    public func append(_ events: [EventDraft], to branch: String, expectedHead: UInt64?) throws(LogError) -> ClosedRange<UInt64> {
        try append(events, to: branch, expectedHead: expectedHead, timeNanos: currentTimeNanos())
    }

    /// `append` at a given commit time (tests compare records with a folder's).
    @discardableResult
    public func append(_ events: [EventDraft], to branch: String = "main", expectedHead: UInt64? = nil,
                       timeNanos: Int64) throws(LogError) -> ClosedRange<UInt64> {
        guard !events.isEmpty else { throw LogError(.invalidArgument, "nothing to append") }
        return try session.transaction { queries throws(LogError) in
            let state = try branchState(branch, queries.run)
            if let expectedHead, expectedHead != state.head {
                throw LogError(.conflict, "\(location): branch '\(branch)' is at \(state.head), not at \(expectedHead) where this append was decided")
            }
            for blob in Set(events.flatMap(\.blobs)) {
                guard !(try queries.run("SELECT 1 FROM gesal_blobs WHERE hash = \(Self.bytes(blob))").rows.isEmpty) else {
                    throw LogError(.blobMissing, "\(location): an event refers to blob \(blob.hex), which is not stored; put it first")
                }
            }
            let (line, previousHash) = state.ref.head == nil && state.line.info.owner == branch
                ? (state.line.info.id, state.line.tipHash)
                : try fork(branch, at: state, queries)
            let record = StoredRecord(encoding: events, firstSequence: state.head + 1, timeNanos: timeNanos, previousHash: previousHash)
            try queries.run("""
                INSERT INTO gesal_records (line, first_sequence, last_sequence, hash, bytes)
                VALUES (\(line), \(Int64(record.firstSequence)), \(Int64(record.lastSequence)), \(Self.bytes(record.hash)), \(ByteBuffer(bytes: record.bytes)))
                """)
            let moved = try queries.run("""
                UPDATE gesal_lines SET tip = \(Int64(record.lastSequence)), tip_hash = \(Self.bytes(record.hash))
                WHERE id = \(line) AND tip = \(Int64(state.head))
                """)
            guard moved.metadata.rows == 1 else {
                throw LogError(.conflict, "\(location): line \(line) moved past \(state.head) while appending to '\(branch)'")
            }
            try queries.run("SELECT pg_notify('gesal_appended', \(branch + " " + String(record.lastSequence)))")
            return record.firstSequence...record.lastSequence
        }
    }

    public var isShared: Bool { true }

    public func reserveNumbers(_ name: String, count: Int, above floor: Int) throws(LogError) -> ClosedRange<Int>? {
        guard count >= 1 else { throw LogError(.invalidArgument, "reserve at least one number") }
        let rows = try session.run("""
            INSERT INTO gesal_counters AS c (name, value) VALUES (\(name), \(Int64(floor + count)))
            ON CONFLICT (name) DO UPDATE SET value = GREATEST(c.value, \(Int64(floor))) + \(Int64(count))
            RETURNING value
            """).rows
        guard let row = rows.first, let last = try? row.decode(Int64.self) else {
            throw LogError(.corrupt, "\(location): counter '\(name)' did not answer")
        }
        return (Int(last) - count + 1)...Int(last)
    }

    /// Stores a blob (once per content) and returns its hash.
    @discardableResult
    public func putBlob(_ bytes: [UInt8]) throws(LogError) -> Hash256 {
        let hash = Hash256.of(bytes)
        try session.run("INSERT INTO gesal_blobs (hash, bytes) VALUES (\(Self.bytes(hash)), \(ByteBuffer(bytes: bytes))) ON CONFLICT (hash) DO NOTHING")
        return hash
    }

    /// A branch whose head is not its own line's tip appends to a new line forked at its
    /// head, as in a folder. Two workers forking at once both claim the next line id; one
    /// commits.
    private func fork(_ branch: String, at state: BranchState, _ queries: PostgresSession.Queries) throws(LogError) -> (Int, Hash256) {
        let lines = Dictionary(uniqueKeysWithValues: try lineRows(queries.run).map { ($0.info.id, $0.info) })
        var owner = state.line.info
        while state.head <= owner.fork, let parent = owner.parent, let next = lines[parent] { owner = next }
        let previousHash = try hashOfRecord(ending: state.head, line: state.ref.line, head: state.head, queries)
        let id = (lines.keys.max() ?? 0) + 1
        try queries.run("""
            INSERT INTO gesal_lines (id, parent, fork, owner, tip, tip_hash)
            VALUES (\(id), \(state.head == 0 ? nil : owner.id), \(Int64(state.head)), \(branch), \(Int64(state.head)), \(Self.bytes(previousHash)))
            """)
        let oldHead = state.ref.head.map(Int64.init)
        let moved = try queries.run("""
            UPDATE gesal_branches SET line = \(id), head = NULL
            WHERE name = \(branch) AND line = \(state.ref.line) AND head IS NOT DISTINCT FROM \(oldHead)
            """)
        guard moved.metadata.rows == 1 else { throw LogError(.conflict, "\(location): branch '\(branch)' moved while forking a line for it") }
        try addReflog(ReflogEntry(time: Self.now(), branch: branch, action: .fork, old: state.ref, new: BranchRef(line: id),
                                  oldHead: state.head, newHead: state.head, message: "appending after head \(state.head): new line \(id)"), queries)
        return (id, previousHash)
    }

    /// The SHA-256 of the record that ends at `sequence` in the history of `line` (zero for
    /// 0); a sequence inside a record is refused, as a head there would split a commit.
    func hashOfRecord(ending sequence: UInt64, line: Int, head: UInt64, _ queries: PostgresSession.Queries) throws(LogError) -> Hash256 {
        guard sequence > 0 else { return .zero }
        guard let record = try record(holding: sequence, line: line, head: head, queries.run) else {
            throw LogError(.badSequence, "\(location): sequence \(sequence) is not in the history of line \(line)")
        }
        guard record.lastSequence == sequence else {
            throw LogError(.badSequence, "sequence \(sequence) is inside a record (sequences \(record.firstSequence) to \(record.lastSequence) "
                + "were committed together); use \(record.lastSequence) or \(record.firstSequence - 1)")
        }
        return record.hash
    }
}
