import ArgumentParser
import CommandLineSupport
import Dispatch
import EventLog
import Foundation
import GESAL
import PostgresLog
import Synchronization
import SystemIO

struct PostgresBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg",
        abstract: "The event store on PostgreSQL: concurrent appends, conflicts, replay, follow latency, copies.",
        discussion: helpText("""
        Each figure runs in a database of its own, created on the server --url points at and
        dropped after (the URL's user needs CREATEDB). Baselines run in the same process on a
        store folder, so the ratios compare the two backends on this machine.

          append_events_per_s_wN      N writers, each on its own connection, appending batches of 100
                                      events to one branch with the head they last saw (optimistic
                                      concurrency): committed events per second, all writers together
          conflict_retries_wN         appends that lost to another writer's and were tried again
          append_events_per_s_folder  one writer on a store folder (durability always), same batches
          replay_events_per_s         `gesal-log replay` of a synthetic --interactions history from PostgreSQL
          replay_events_per_s_folder  the same history from a folder
          follow_latency_ms_p50/_p99  an append on one connection until LISTEN hears it on another
          copy_to_pg_s, copy_from_pg_s  `gesal-log copy` of that history each way
          hashes_equal                1 when the copies replay to the original's state hash

        Example:
          gesal-bench pg --url postgres://gesal@127.0.0.1/postgres
        """))

    @Option(help: ArgumentHelp("A PostgreSQL server to measure on ($GESAL_PG_URL); its database is only used to create others.", valueName: "URL"))
    var url: String = ProcessInfo.processInfo.environment["GESAL_PG_URL"] ?? ""

    @Option(help: "Interactions in the synthetic history replayed and copied.")
    var interactions = 10_000

    @Option(help: "Batches of 100 events each writer appends.")
    var batches = 40

    @Option(help: "Appends timed for the follow latency.")
    var followSamples = 200

    func validate() throws {
        guard PostgresLocation.isURL(url) else { throw ValidationError("give --url postgres://... (or set GESAL_PG_URL)") }
        guard interactions >= 2, batches >= 1, followSamples >= 10 else { throw ValidationError("--interactions >= 2, --batches >= 1, --follow-samples >= 10") }
    }

    func run() throws {
        try reportingErrors {
            let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-pg-bench")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try appendFigures(folder)
            try followFigures()
            try historyFigures(folder)
        }
    }

    /// A fresh database for one figure, dropped when `body` returns.
    private func withDatabase<T>(_ body: (String) throws -> T) throws -> T {
        let name = "gesal_bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let database = try PostgresAdmin.createDatabase(name, on: url)
        defer { try? PostgresAdmin.dropDatabase(name, on: url) }
        return try body(database)
    }

    private static func batch(_ writer: Int, _ number: Int) -> [EventDraft] {
        (0..<100).map { i in EventDraft(type: "Bench", payload: Array("writer \(writer) batch \(number) event \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: 100)) }
    }

    private func appendFigures(_ folder: String) throws {
        let local = try LogWriter.create(at: folder + "/append", options: StoreOptions(durability: .always))
        let folderSeconds = try timed { for b in 0..<batches { try local.append(Self.batch(0, b)) } }
        try local.close()
        var total = 0
        for writers in [1, 2, 4] {
            let (seconds, conflicts) = try withDatabase { database in
                _ = try PostgresStore.create(database)
                let stores = try (0..<writers).map { _ in try PostgresStore.open(database) }
                let conflicts = Atomic<Int>(0), failures = Mutex<[String]>([])
                let seconds = timed {
                    DispatchQueue.concurrentPerform(iterations: writers) { w in
                        do {
                            var head = try stores[w].head(of: "main")
                            for b in 0..<batches {
                                while true {
                                    do {
                                        head = try stores[w].append(Self.batch(w, b), to: "main", expectedHead: head).upperBound
                                        break
                                    } catch let error as LogError where error.code == .conflict {
                                        conflicts.add(1, ordering: .relaxed)
                                        head = try stores[w].head(of: "main")
                                    }
                                }
                            }
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    }
                }
                if let failure = failures.withLock({ $0.first }) { throw ValidationError("a writer failed: \(failure)") }
                guard try stores[0].head(of: "main") == UInt64(writers * batches * 100) else { throw ValidationError("events were lost") }
                return (seconds, conflicts.load(ordering: .relaxed))
            }
            total += conflicts
            print(line("append_events_per_s_w\(writers)", Double(writers * batches * 100) / seconds, decimals: 0))
            print("conflict_retries_w\(writers)=\(conflicts)")
        }
        print("conflict_retries=\(total)")
        print(line("append_events_per_s_folder", Double(batches * 100) / folderSeconds, decimals: 0))
    }

    private func followFigures() throws {
        let latencies = try withDatabase { database -> [Double] in
            let store = try PostgresStore.create(database)
            let heard = Mutex<[UInt64: UInt64]>([:])
            let follower = try PostgresFollower(database) { _, head in
                let now = DispatchTime.now().uptimeNanoseconds
                heard.withLock { $0[head] = now }
            }
            defer { follower.stop() }
            var sent: [UInt64: UInt64] = [:]
            for i in 0..<followSamples {
                let start = DispatchTime.now().uptimeNanoseconds
                let range = try store.append([EventDraft(type: "Follow", payload: Array("\(i)".utf8))], to: "main", expectedHead: nil)
                sent[range.upperBound] = start
                Thread.sleep(forTimeInterval: 0.002)
            }
            let deadline = Date().addingTimeInterval(5)
            while heard.withLock({ $0.count }) < followSamples, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            let received = heard.withLock { $0 }
            guard received.count == followSamples else { throw ValidationError("LISTEN heard \(received.count) of \(followSamples) appends") }
            return sent.map { head, start in Double(received[head]! - start) / 1e6 }.sorted()
        }
        print(line("follow_latency_ms_p50", latencies[latencies.count / 2], decimals: 2))
        print(line("follow_latency_ms_p99", latencies[min(latencies.count - 1, latencies.count * 99 / 100)], decimals: 2))
    }

    private func historyFigures(_ folder: String) throws {
        let original = folder + "/synthetic"
        let writer = try LogWriter.create(at: original, options: StoreOptions(durability: .none))
        let (state, _) = try SyntheticHistory.write(interactions: interactions, to: writer)
        try writer.close()
        let source = try LogStore(at: original)
        let events = Double(try source.head(of: "main"))
        var folderReplay: Replay?
        let folderSeconds = try timed { folderReplay = try Replay.run(source, useSnapshots: false) }
        try withDatabase { database in
            let toPG = try timed { try copyHistory(from: source, to: PostgresHistorySink(creatingAt: database)) }
            let shared = try PostgresStore.open(database)
            var sharedReplay: Replay?
            let replaySeconds = try timed { sharedReplay = try Replay.run(shared, useSnapshots: false) }
            let back = folder + "/back"
            let sink = try FolderHistorySink(creatingAt: back, options: StoreOptions(durability: .none))
            let fromPG = try timed { try copyHistory(from: shared, to: sink) }
            try sink.writer.close()
            let returned = try Replay.run(LogStore(at: back)).state.hash
            print("events=\(Int(events))")
            print(line("replay_events_per_s", events / replaySeconds, decimals: 0))
            print(line("replay_events_per_s_folder", events / folderSeconds, decimals: 0))
            print(line("copy_to_pg_s", toPG, decimals: 2))
            print(line("copy_from_pg_s", fromPG, decimals: 2))
            let equal = [folderReplay!.state.hash, sharedReplay!.state.hash, returned].allSatisfy { $0 == state.hash }
            print("hashes_equal=\(equal ? 1 : 0)")
            print("state_hash=\(state.hash.hex)")
        }
    }
}
