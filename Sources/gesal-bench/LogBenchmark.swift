import ArgumentParser
import EventLog
import Foundation
import ReadModel
import SystemIO

struct LogBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append, fsync-floor, SQLite and replay throughput on batches of 100 events of 256 bytes.",
        discussion: """
        Durable figures are the median of three interleaved rounds (floor, log, SQLite), so a
        noisy disk hurts all three alike. Ratios compare figures from this same run.

          append_events_per_s            policy always: fdatasync before each batch is acknowledged
          fsync_floor_events_per_s       the same bytes with plain pwrite + fdatasync, no framing
          sqlite_insert_events_per_s     WAL, synchronous=FULL, one transaction per batch
          append_nosync_events_per_s     policy none, against SQLite with synchronous=OFF
          replay_events_per_s            reading every event back, CRC-checked and decompressed

        Example:
          swift run -c release gesal-bench log --folder /tmp
        """)

    @Option(help: "Batches per durable measurement round.")
    var durableBatches = 300

    @Option(help: "Batches for the no-sync and replay measurements.")
    var nosyncBatches = 3000

    @Option(help: ArgumentHelp("Where to make the scratch stores (the disk being measured).", valueName: "DIR"))
    var folder = "/tmp"

    func run() throws {
        let root = makeTemporaryDirectory(in: folder, prefix: "gesal-bench")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let batchEvents = Double(BenchEvents.batchSize)
        var floor: [Double] = [], append: [Double] = [], sqlite: [Double] = []
        for round in 0..<3 {
            floor.append(Double(durableBatches) * batchEvents / (try fsyncFloor(root + "/floor\(round)")))
            append.append(Double(durableBatches) * batchEvents / (try appendLog(root + "/always\(round)", .always, batches: durableBatches)))
            sqlite.append(Double(durableBatches) * batchEvents / (try sqliteInserts(root + "/sqlite\(round).db", synchronous: "FULL", batches: durableBatches)))
        }
        let nosyncStore = root + "/nosync"
        let nosync = Double(nosyncBatches) * batchEvents / (try appendLog(nosyncStore, .none, batches: nosyncBatches))
        let sqliteOff = Double(nosyncBatches) * batchEvents / (try sqliteInserts(root + "/sqlite-off.db", synchronous: "OFF", batches: nosyncBatches))

        let store = try LogStore(at: nosyncStore)
        var replayed = 0
        var checksum: UInt64 = 0
        let replaySeconds = try timed {
            try store.forEachEvent { event in
                replayed += 1
                checksum &+= UInt64(event.payload.count)
            }
        }
        precondition(replayed == nosyncBatches * BenchEvents.batchSize && checksum == UInt64(replayed * BenchEvents.payloadBytes))
        let stats = try StoreStats.of(store)

        print(line("append_events_per_s", median(append), decimals: 0))
        print(line("fsync_floor_events_per_s", median(floor), decimals: 0))
        print(line("append_vs_floor_ratio", median(append) / median(floor), decimals: 3))
        print(line("sqlite_insert_events_per_s", median(sqlite), decimals: 0))
        print(line("append_vs_sqlite_ratio", median(append) / median(sqlite), decimals: 3))
        print(line("append_nosync_events_per_s", nosync, decimals: 0))
        print(line("sqlite_nosync_insert_events_per_s", sqliteOff, decimals: 0))
        print(line("append_vs_sqlite_nosync_ratio", nosync / sqliteOff, decimals: 3))
        print(line("replay_events_per_s", Double(replayed) / replaySeconds, decimals: 0))
        print(line("bytes_per_event", Double(stats.segmentBytes) / Double(stats.events), decimals: 1))
        print(line("lz4_ratio", stats.compressionRatio, decimals: 3))
    }

    /// Appends `batches` batches to a new store and returns the seconds taken.
    private func appendLog(_ path: String, _ policy: DurabilityPolicy, batches: Int) throws -> Double {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: policy))
        let prepared = (0..<batches).map { BenchEvents.batch(startingAt: UInt64($0 * BenchEvents.batchSize + 1)) }
        let seconds = try timed {
            for batch in prepared { try writer.append(batch) }
        }
        try writer.close()
        return seconds
    }

    /// The physical limit: the same payload bytes appended with pwrite + fdatasync per batch.
    private func fsyncFloor(_ path: String) throws -> Double {
        let file = try FileDescriptor.open(path, .createNew)
        defer { try? file.close() }
        let prepared = (0..<durableBatches).map { b in
            BenchEvents.batch(startingAt: UInt64(b * BenchEvents.batchSize + 1)).flatMap(\.payload)
        }
        var offset: Int64 = 0
        return try timed {
            for bytes in prepared {
                try file.write(bytes, at: offset)
                try file.syncData()
                offset += Int64(bytes.count)
            }
        }
    }

    /// The same events into SQLite: WAL, the given synchronous mode, a prepared insert and
    /// one transaction per batch.
    private func sqliteInserts(_ path: String, synchronous: String, batches: Int) throws -> Double {
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronous);")
        try db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY, type TEXT NOT NULL, payload BLOB NOT NULL)")
        let insert = try db.prepare("INSERT INTO events(seq, type, payload) VALUES (?, ?, ?)")
        let prepared = (0..<batches).map { BenchEvents.batch(startingAt: UInt64($0 * BenchEvents.batchSize + 1)) }
        return try timed {
            var sequence: Int64 = 1
            for batch in prepared {
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
        }
    }
}
