import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import ReadModel
import SystemIO

struct LogBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append, fsync-floor, SQLite and replay throughput on batches of 100 events of 256 bytes.",
        discussion: helpText("""
        The writers being compared take turns batch by batch (rotating who goes first), so a
        disk stall lands on all of them alike; ratios compare figures from this same run.

          append_events_per_s            policy always: fdatasync before each batch is acknowledged
          fsync_floor_events_per_s       the same bytes with plain pwrite + fdatasync, no framing
          sqlite_insert_events_per_s     WAL, synchronous=FULL, one transaction per batch
          append_nosync_events_per_s     policy none, against SQLite with synchronous=OFF
          replay_events_per_s            reading every event back, CRC-checked and decompressed

        Example:
          swift run -c release gesal-bench log --folder /tmp
        """))

    @Option(help: "Batches for the durable (fdatasync) race.")
    var durableBatches = 1000

    @Option(help: "Batches for the no-sync race and the replay.")
    var nosyncBatches = 3000

    @Option(help: ArgumentHelp("Where to make the scratch stores (the disk being measured).", valueName: "DIR"))
    var folder = "/tmp"

    func run() throws {
        let root = try FileSystem().makeTemporaryDirectory(in: folder, prefix: "gesal-bench")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let events = Double(BenchEvents.batchSize)
        func batches(_ count: Int) -> [[EventDraft]] {
            (0..<count).map { BenchEvents.batch(startingAt: UInt64($0 * BenchEvents.batchSize + 1)) }
        }

        var durable: [any BatchSink] = [try FloorSink(path: root + "/floor", sync: true),
                                        try LogSink(path: root + "/always", policy: .always),
                                        try SQLiteSink(path: root + "/full.db", synchronous: "FULL")]
        let durableSeconds = try race(&durable, batches: batches(durableBatches))
        let (floor, append, sqlite) = (durableSeconds[0], durableSeconds[1], durableSeconds[2])

        let nosyncStore = root + "/nosync"
        var nosyncSinks: [any BatchSink] = [try LogSink(path: nosyncStore, policy: .none),
                                            try SQLiteSink(path: root + "/off.db", synchronous: "OFF")]
        let nosyncSeconds = try race(&nosyncSinks, batches: batches(nosyncBatches))

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

        let durableEvents = Double(durableBatches) * events
        let nosyncEvents = Double(nosyncBatches) * events
        print(line("append_events_per_s", durableEvents / append, decimals: 0))
        print(line("fsync_floor_events_per_s", durableEvents / floor, decimals: 0))
        print(line("append_vs_floor_ratio", floor / append, decimals: 3))
        print(line("sqlite_insert_events_per_s", durableEvents / sqlite, decimals: 0))
        print(line("append_vs_sqlite_ratio", sqlite / append, decimals: 3))
        print(line("append_nosync_events_per_s", nosyncEvents / nosyncSeconds[0], decimals: 0))
        print(line("sqlite_nosync_insert_events_per_s", nosyncEvents / nosyncSeconds[1], decimals: 0))
        print(line("append_vs_sqlite_nosync_ratio", nosyncSeconds[1] / nosyncSeconds[0], decimals: 3))
        print(line("replay_events_per_s", Double(replayed) / replaySeconds, decimals: 0))
        print(line("bytes_per_event", Double(stats.segmentBytes) / Double(stats.events), decimals: 1))
        print(line("lz4_ratio", stats.compressionRatio, decimals: 3))
    }
}
