import CommandLineSupport
import Engine
import EventLog
import Foundation
import Glibc
import GESAL
import Models
import ReadModel
import SystemIO

/// `gesal-bench crash --engine`: SIGKILL the engine at random moments of its work (asks,
/// learning steps and their blob writes, snapshots, rollbacks, read-model rebuilds) and
/// check, after each kill, what the next writer and engine find. One store runs through all
/// trials, so each child continues the history the last recovery left.
struct EngineCrashTrials {
    var trials: Int
    var seed: UInt64
    var maxDelayMs: Int
    var models: EngineModelOptions
    /// Sabotage: after each kill, cut main's records back past its last acknowledged head, as a
    /// writer that acknowledged before its write was durable would lose them in a power cut.
    /// The checks must then report lost acknowledgements.
    var tearAcknowledged = false

    struct Tally {
        var acked = 0, lostAcked = 0, replayMismatch = 0, unopenable = 0, verifyFailed = 0, readModelFailed = 0
        var staleTemporaries = 0, redoneRecords = 0, recovered = 0
        var firstProblem: String?

        mutating func problem(_ text: String) { if firstProblem == nil { firstProblem = text } }
        var failed: Bool { lostAcked + replayMismatch + unopenable + verifyFailed + readModelFailed + staleTemporaries > 0 }
    }

    func run() throws -> Tally {
        let root = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine-crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = root + "/store"
        let loaded = try models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var random = RandomSource(seed: seed)
        var tally = Tally()
        var bar = ProgressBar("engine crash trials", total: trials)
        for trial in 0..<trials {
            let acks = try killedChild(executable, store: store, seed: random.next(), delayMs: Int(random.next() % UInt64(max(1, maxDelayMs))))
            tally.acked += acks.values.reduce(0) { $0 + Int($1) }
            if tearAcknowledged, let acked = acks["main"] { try tear(store, below: acked) }
            check(store, acks: acks, models: loaded, at: "trial \(trial)", tally: &tally)
            bar.update(trial + 1)
        }
        bar.finish()
        return tally
    }

    /// Runs a worker, kills it `delayMs` after its first acknowledgement, and returns the last
    /// head it acknowledged on each branch.
    private func killedChild(_ executable: String, store: String, seed: UInt64, delayMs: Int) throws -> [String: UInt64] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["crash-engine-worker", "--store", store, "--seed", String(seed), "--model", models.modelOptions.model,
                           "--threads", String(models.modelOptions.threads), "--minilm", models.minilm, "--svd-cache", models.svdCache]
        let pipe = Pipe()
        child.standardOutput = pipe
        child.standardError = FileHandle.nullDevice
        try child.run()
        let first = pipe.fileHandleForReading.availableData  // blocks until the first acknowledgement (or exit)
        usleep(useconds_t(delayMs * 1000))
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let output = String(decoding: first + pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var acks: [String: UInt64] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let head = UInt64(parts[1]) else { continue }
            acks[String(parts[0])] = max(acks[String(parts[0])] ?? 0, head)
        }
        return acks
    }

    /// Opens the store as the next process would and checks it.
    private func check(_ store: String, acks: [String: UInt64], models: EngineModels, at: String, tally: inout Tally) {
        guard LogStore.exists(at: store) else {
            if !acks.isEmpty {
                tally.unopenable += 1
                tally.problem("\(at): the store is gone")
            }
            return
        }
        let writer: LogWriter
        do { writer = try LogWriter(at: store) } catch {
            tally.unopenable += 1
            tally.problem("\(at): the store does not open: \(error)")
            return
        }
        defer { try? writer.close() }
        tally.recovered += writer.recovered.count
        do {
            tally.staleTemporaries += try staleTemporaries(in: store)
            for (branch, acked) in acks {
                let head = try writer.store.branches()[branch] != nil ? try writer.store.head(of: branch) : 0
                if head < acked {
                    tally.lostAcked += Int(acked - head)
                    tally.problem("\(at): branch \(branch) ends at \(head), but \(acked) was acknowledged")
                }
            }
            let before = try writer.store.head(of: "main")
            let engine = try Engine(writer: writer, models: models)  // redoes an interrupted learning step
            tally.redoneRecords += Int(try writer.store.head(of: "main") - before)
            for snapshots in [true, false] {
                let replayed = try Replay.run(writer.store, useSnapshots: snapshots).state.hash
                if replayed != engine.state.hash {
                    tally.replayMismatch += 1
                    tally.problem("\(at): replay\(snapshots ? "" : " from zero") gives \(replayed.hex.prefix(12)), the engine opened on \(engine.state.hash.hex.prefix(12))")
                }
            }
            let report = StoreVerifier.verify(writer.store)
            if !report.ok {
                tally.verifyFailed += 1
                tally.problem("\(at): verify: \(report.problems[0])")
            }
        } catch {
            tally.unopenable += 1
            tally.problem("\(at): \(error)")
            return
        }
        do {
            _ = try ReadModelIndex.rebuild(try SQLiteDatabase(path: store + "/readmodel.sqlite"), from: writer.store)
        } catch {
            tally.readModelFailed += 1
            tally.problem("\(at): the read model does not rebuild: \(error)")
        }
    }

    /// Tears the last record of main's newest segment (its last non-zero byte and what follows
    /// go) and lets a writer's recovery cut it, until main's head is below `acked`.
    private func tear(_ store: String, below acked: UInt64) throws {
        let fs = FileSystem()
        for _ in 0..<64 {
            let reader = try LogStore(at: store)
            guard try reader.head(of: "main") >= acked else { return }
            let folder = store + "/lines/" + String(format: "%06d", try reader.ref(of: "main").line)
            guard let segment = try fs.list(folder).filter({ $0.hasSuffix(".seg") }).sorted().last else { return }
            let file = try fs.open(folder + "/" + segment, .readWrite)
            let bytes = try file.readAll()
            if let last = bytes.lastIndex(where: { $0 != 0 }) { try file.truncate(to: Int64(last)) }
            try file.close()
            try LogWriter(at: store).close()
        }
    }

    /// Temporary files of dead writers still in the store after a writer opened it.
    private func staleTemporaries(in store: String) throws -> Int {
        let fs = FileSystem()
        var count = 0
        let enumerator = FileManager.default.enumerator(atPath: store)
        while let name = enumerator?.nextObject() as? String {
            if let pid = FileSystem.temporaryFileWriter((name as NSString).lastPathComponent), !fs.syscalls.processExists(pid) { count += 1 }
        }
        return count
    }
}
