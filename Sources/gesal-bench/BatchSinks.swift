import EventLog
import ReadModel
import SystemIO

/// Something the log benchmark appends batches to, timed one batch at a time.
protocol BatchSink {
    mutating func write(_ batch: [EventDraft]) throws
    mutating func finish() throws
}

/// The physical limit: the batch's payload bytes appended with plain pwrite + fdatasync, no framing.
struct FloorSink: BatchSink {
    let file: FileDescriptor
    let sync: Bool
    var offset: Int64 = 0

    init(path: String, sync: Bool) throws {
        file = try FileDescriptor.open(path, .createNew)
        self.sync = sync
    }

    mutating func write(_ batch: [EventDraft]) throws {
        let bytes = batch.flatMap(\.payload)
        try file.write(bytes, at: offset)
        if sync { try file.syncData() }
        offset += Int64(bytes.count)
    }

    mutating func finish() throws { try file.close() }
}

/// The event log under test.
struct LogSink: BatchSink {
    let writer: LogWriter

    init(path: String, policy: DurabilityPolicy) throws {
        writer = try LogWriter.create(at: path, options: StoreOptions(durability: policy))
    }

    mutating func write(_ batch: [EventDraft]) throws { try writer.append(batch) }

    mutating func finish() throws { try writer.close() }
}

/// The same events into SQLite: WAL, the given synchronous mode, a prepared insert, one
/// transaction per batch.
struct SQLiteSink: BatchSink {
    let db: SQLiteDatabase
    let insert: SQLiteStatement
    var sequence: Int64 = 1

    init(path: String, synchronous: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronous);")
        try db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY, type TEXT NOT NULL, payload BLOB NOT NULL)")
        insert = try db.prepare("INSERT INTO events(seq, type, payload) VALUES (?, ?, ?)")
    }

    mutating func write(_ batch: [EventDraft]) throws {
        try db.execute("BEGIN")
        for event in batch {
            try insert.bind(1, sequence)
            try insert.bind(2, event.type)
            try insert.bind(3, event.payload)
            try insert.step()
            try insert.reset()
            sequence += 1
        }
        try db.execute("COMMIT")
    }

    mutating func finish() throws {}
}

/// Feeds the same batches to every sink, taking turns batch by batch and rotating who goes
/// first, so a disk stall (fdatasync here has a long tail) lands on all of them alike.
/// Returns each sink's total seconds.
func race(_ sinks: inout [any BatchSink], batches: [[EventDraft]]) throws -> [Double] {
    var seconds = [Double](repeating: 0, count: sinks.count)
    for (i, batch) in batches.enumerated() {
        for turn in 0..<sinks.count {
            let k = (i + turn) % sinks.count
            seconds[k] += try timed { try sinks[k].write(batch) }
        }
    }
    for k in sinks.indices { try sinks[k].finish() }
    return seconds
}
