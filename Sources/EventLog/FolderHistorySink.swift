import SystemIO

/// A new store folder filled with another store's history (`gesal-log copy --to FOLDER`):
/// the records are written as they come, segments rolling as for appends, and refs.json and
/// reflog.jsonl replaced by the source's at the end. Refuses to fill a folder that holds one.
public final class FolderHistorySink: HistorySink {
    public let writer: LogWriter

    public init(creatingAt path: String, options: StoreOptions = StoreOptions()) throws(LogError) {
        writer = try LogWriter.create(at: path, options: options)
    }

    public func addLine(_ info: LineInfo) throws(LogError) {
        try writer.state.withLock { state throws(LogError) in
            if let existing = state.lines[info.id] {
                // `create` made line 1 for `main`; the source's must be the same, and empty so far.
                guard existing == info, state.active[info.id]?.nextSequence == info.fork + 1 else {
                    throw LogError(.invalidArgument, "line \(info.id) already exists in the new store and differs from the source's")
                }
                return
            }
            guard info.parent.map({ state.lines[$0] != nil }) ?? (info.fork == 0) else {
                throw LogError(.corrupt, "line \(info.id) forks from line \(info.parent.map(String.init) ?? "none") at \(info.fork), which is not copied yet")
            }
            let previous = info.fork == 0 ? Hash256.zero : try state.hashOfRecord(containing: info.fork, line: state.lines[info.parent!]!)
            try io {
                try state.fs.createDirectory(state.layout.line(info.id), durable: state.durable)
                try state.fs.writeAtomically(state.layout.lineInfo(info.id), StoreJSON.encode(info))
            }
            state.active[info.id] = try state.createSegment(line: info.id, firstSequence: info.fork + 1, previousHash: previous)
            state.lines[info.id] = info
        }
    }

    public func addRecords(_ records: [StoredRecord], line: Int) throws(LogError) {
        try writer.state.withLock { state throws(LogError) in
            guard var segment = state.active.removeValue(forKey: line) else { throw LogError(.invalidArgument, "line \(line) was not started") }
            defer { state.active[line] = segment }
            for record in records {
                guard record.firstSequence == segment.nextSequence, record.previousHash == segment.lastHash else {
                    throw LogError(.corrupt, "record at sequence \(record.firstSequence) does not continue line \(line) "
                        + "(next sequence \(segment.nextSequence), chain \(segment.lastHash.hex.prefix(12)))")
                }
                _ = try state.commit(record.bytes, events: Int(record.lastSequence - record.firstSequence + 1), to: &segment)
            }
        }
    }

    public func addBlob(_ bytes: [UInt8]) throws(LogError) {
        _ = try writer.putBlob(bytes)
    }

    public func setBranches(_ branches: [String: BranchRef], reflog: [ReflogEntry]) throws(LogError) {
        try writer.state.withLock { state throws(LogError) in
            for (name, ref) in branches where state.lines[ref.line] == nil {
                throw LogError(.corrupt, "branch '\(name)' points at line \(ref.line), which was not copied")
            }
            let refs = Refs(branches: branches)
            try io {
                try state.fs.writeAtomically(state.layout.reflog, reflog.flatMap { StoreJSON.encodeLine($0) }, durable: state.durable)
                try state.fs.writeAtomically(state.layout.refs, StoreJSON.encode(refs), durable: state.durable)
            }
            state.refs = refs
        }
        try writer.sync()
    }
}
