import EventLog
import NIOCore
import PostgresNIO

/// A new store in an empty PostgreSQL database, filled with another store's history
/// (`gesal-log copy --to postgres://...`). Each record lands only if it continues its line:
/// the line's tip and tip hash are checked and moved in the same transaction.
public struct PostgresHistorySink: HistorySink {
    public let store: PostgresStore

    public init(creatingAt url: String) throws(LogError) {
        store = try PostgresStore.create(url, empty: true)
    }

    public func addLine(_ info: LineInfo) throws(LogError) {
        try store.session.transaction { queries throws(LogError) in
            let previous = info.fork == 0 ? Hash256.zero
                : try store.hashOfRecord(ending: info.fork, line: info.parent ?? 0, head: info.fork, queries)
            try queries.run("""
                INSERT INTO gesal_lines (id, parent, fork, owner, tip, tip_hash)
                VALUES (\(info.id), \(info.parent), \(Int64(info.fork)), \(info.owner), \(Int64(info.fork)), \(PostgresStore.bytes(previous)))
                """)
        }
    }

    /// One transaction for the lot: the chain is checked record by record against the line's
    /// tip as it moves.
    public func addRecords(_ records: [StoredRecord], line: Int) throws(LogError) {
        guard !records.isEmpty else { return }
        try store.session.transaction { queries throws(LogError) in
            for record in records { try add(record, line: line, queries) }
        }
    }

    private func add(_ record: StoredRecord, line: Int, _ queries: PostgresSession.Queries) throws(LogError) {
        let moved = try queries.run("""
            UPDATE gesal_lines SET tip = \(Int64(record.lastSequence)), tip_hash = \(PostgresStore.bytes(record.hash))
            WHERE id = \(line) AND tip = \(Int64(record.firstSequence) - 1) AND tip_hash = \(PostgresStore.bytes(record.previousHash))
            """)
        guard moved.metadata.rows == 1 else {
            throw LogError(.corrupt, "\(store.location): record at sequence \(record.firstSequence) does not continue line \(line)")
        }
        try queries.run("""
            INSERT INTO gesal_records (line, first_sequence, last_sequence, hash, bytes)
            VALUES (\(line), \(Int64(record.firstSequence)), \(Int64(record.lastSequence)), \(PostgresStore.bytes(record.hash)), \(ByteBuffer(bytes: record.bytes)))
            """)
    }

    public func addBlob(_ bytes: [UInt8]) throws(LogError) {
        try store.putBlob(bytes)
    }

    public func setBranches(_ branches: [String: BranchRef], reflog: [ReflogEntry]) throws(LogError) {
        try store.session.transaction { queries throws(LogError) in
            try queries.run("DELETE FROM gesal_branches")
            try queries.run("DELETE FROM gesal_reflog")
            for (name, ref) in branches.sorted(by: { $0.key < $1.key }) {
                try queries.run("INSERT INTO gesal_branches (name, line, head) VALUES (\(name), \(ref.line), \(ref.head.map(Int64.init)))")
            }
            for entry in reflog { try store.addReflog(entry, queries) }
        }
    }
}
