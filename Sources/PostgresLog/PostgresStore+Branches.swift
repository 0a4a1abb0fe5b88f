import EventLog
import PostgresNIO

extension PostgresStore {
    /// Creates `name` pointing at sequence `at` (default: the head) of `source`; no records
    /// are copied. The head must end a record.
    public func createBranch(_ name: String, from source: String, at sequence: UInt64?) throws(LogError) {
        try validateBranchName(name)
        try session.transaction { queries throws(LogError) in
            let state = try branchState(source, queries.run)
            let fork = sequence ?? state.head
            guard fork <= state.head else { throw LogError(.badSequence, "sequence \(fork) is past the head of '\(source)' (\(state.head))") }
            _ = try hashOfRecord(ending: fork, line: state.ref.line, head: state.head, queries)
            guard try queries.run("SELECT 1 FROM gesal_branches WHERE name = \(name)").rows.isEmpty else {
                throw LogError(.branchExists, "\(location): a branch named '\(name)' already exists")
            }
            let ref = BranchRef(line: state.ref.line, head: fork)
            try queries.run("INSERT INTO gesal_branches (name, line, head) VALUES (\(name), \(ref.line), \(Int64(fork)))")
            try addReflog(ReflogEntry(time: Self.now(), branch: name, action: .create, old: nil, new: ref, oldHead: nil, newHead: fork,
                                      message: "from '\(source)' at \(fork)"), queries)
        }
    }

    /// Moves `branch`'s head to `sequence` (back, or forward again up to what its line holds),
    /// as a folder's writer does: records are never deleted, and the reflog entry lets
    /// `undoReset` move it back. The ref changes only if no one moved it meanwhile.
    public func reset(_ branch: String, to sequence: UInt64) throws(LogError) {
        try session.transaction { queries throws(LogError) in
            let state = try branchState(branch, queries.run)
            let lineEnd = state.line.tip
            guard sequence <= lineEnd else {
                throw LogError(.badSequence, "sequence \(sequence) is past what branch '\(branch)' can reach (\(lineEnd))")
            }
            _ = try hashOfRecord(ending: sequence, line: state.ref.line, head: lineEnd, queries)
            // Back at its own line's tip, the branch follows the tip (and appends in place) again.
            let owns = state.line.info.owner == branch
            let new = BranchRef(line: state.ref.line, head: owns && sequence == lineEnd ? nil : sequence)
            try move(branch, from: state.ref, to: new, queries)
            try addReflog(ReflogEntry(time: Self.now(), branch: branch, action: .reset, old: state.ref, new: new, oldHead: state.head,
                                      newHead: sequence, message: "reset from \(state.head) to \(sequence)"), queries)
        }
    }

    /// Restores `branch` to where it was before its last reset (or undo).
    public func undoReset(_ branch: String) throws(LogError) {
        let entries = try reflog().filter { $0.branch == branch && ($0.action == .reset || $0.action == .undo) }
        guard let last = entries.last, let old = last.old else {
            throw LogError(.invalidArgument, "branch '\(branch)' has no reset to undo")
        }
        try session.transaction { queries throws(LogError) in
            let state = try branchState(branch, queries.run)
            let tips = Dictionary(uniqueKeysWithValues: try lineRows(queries.run).map { ($0.info.id, $0.tip) })
            guard let tip = tips[old.line] else { throw LogError(.corrupt, "\(location): the reflog names line \(old.line), which does not exist") }
            let oldHead = old.head ?? tip
            try move(branch, from: state.ref, to: old, queries)
            try addReflog(ReflogEntry(time: Self.now(), branch: branch, action: .undo, old: state.ref, new: old, oldHead: state.head,
                                      newHead: oldHead, message: "undo: back to \(oldHead) from \(state.head)"), queries)
        }
    }

    /// Points `branch` at `new` if it still points at `old`; otherwise `.conflict`.
    private func move(_ branch: String, from old: BranchRef, to new: BranchRef, _ queries: PostgresSession.Queries) throws(LogError) {
        let moved = try queries.run("""
            UPDATE gesal_branches SET line = \(new.line), head = \(new.head.map(Int64.init))
            WHERE name = \(branch) AND line = \(old.line) AND head IS NOT DISTINCT FROM \(old.head.map(Int64.init))
            """)
        guard moved.metadata.rows == 1 else { throw LogError(.conflict, "\(location): branch '\(branch)' moved meanwhile; look again and retry") }
    }
}
