/// A new, empty store being filled with another store's history, record by record: what
/// `gesal-log copy` writes to. The records arrive as stored (their bytes, so their hashes),
/// and each sink checks that every record continues its line's chain.
public protocol HistorySink {
    /// Starts a line. Lines arrive in id order, a parent before its children.
    func addLine(_ info: LineInfo) throws(LogError)
    /// Appends stored records, in order, to the end of `line`; each is refused unless it
    /// starts right after the line's last sequence and chains to its last record's hash.
    func addRecords(_ records: [StoredRecord], line: Int) throws(LogError)
    func addBlob(_ bytes: [UInt8]) throws(LogError)
    /// Sets every branch and the whole reflog, last.
    func setBranches(_ branches: [String: BranchRef], reflog: [ReflogEntry]) throws(LogError)
}

/// Copies everything `source` holds into `sink`: blobs first (records refer to them), then
/// each line's records in order, `chunk` at a time, then branches and the reflog. `progress`
/// hears each record once it is written.
public func copyHistory(from source: some EventHistory, to sink: some HistorySink, chunk: Int = 500,
                        progress: (StoredRecord) -> Void = { _ in }) throws {
    for hash in try source.blobHashes() { try sink.addBlob(try source.blob(hash)) }
    for line in try source.lines().sorted(by: { $0.id < $1.id }) {
        try sink.addLine(line)
        var pending: [StoredRecord] = []
        func flush() throws {
            try sink.addRecords(pending, line: line.id)
            pending.forEach(progress)
            pending = []
        }
        try source.forEachRecord(line: line.id) { record in
            pending.append(record)
            if pending.count >= chunk { try flush() }
        }
        try flush()
    }
    try sink.setBranches(try source.branches(), reflog: try source.reflog())
}
