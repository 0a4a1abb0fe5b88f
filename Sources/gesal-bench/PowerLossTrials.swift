import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Models
import SystemIO

/// `gesal-bench crash --power-loss`: simulated power failures through the syscall seam.
///
/// A workload appends to a store through a `WriteRecorder`; each trial picks a point in its
/// record, builds what the disk could hold had the power failed there (`PowerLoss`: writes and
/// names not yet synced lost, kept or torn at 512 B or 4 KiB), writes that image to a fresh
/// folder, opens it (recovery runs) and checks it against what had been acknowledged.
///
/// With `engine` models, the workload is the engine's instead (asks, feedback that learns,
/// snapshots) and each image is also opened by an engine, which redoes an interrupted
/// learning step, and replayed.
struct PowerLossTrials {
    var trials: Int
    var seed: UInt64
    var appendsPerWorkload: Int
    var trialsPerWorkload: Int
    var durability: DurabilityPolicy
    var engine: EngineModels?

    struct Tally {
        var workloads = 0, crashPoints = 0, ackedEvents = 0, visibleEvents = 0, recovered = 0
        var lostAcked = 0, tornVisible = 0, missingBlobs = 0, unopenable = 0, verifyFailed = 0, replayMismatch = 0, redoneRecords = 0
        var firstProblem: String?

        mutating func problem(_ text: String) { if firstProblem == nil { firstProblem = text } }
        var failed: Bool { lostAcked + tornVisible + missingBlobs + unopenable + verifyFailed + replayMismatch > 0 }
    }

    /// What a workload did: its record, and what each acknowledgement promised.
    private struct Workload {
        var root: String
        var operations: [WriteOperation]
        /// The point (count of recorded changes) after which `LogWriter.create` had returned.
        var created: Int
        /// After each acknowledged append: the point, and the last sequence it acknowledged.
        var acks: [(point: Int, through: UInt64)]
        /// Every event appended, by sequence (index 0 is sequence 1).
        var attempted: [EventDraft]
    }

    func run() throws -> Tally {
        let scratch = try FileSystem().makeTemporaryDirectory(prefix: "gesal-power-loss")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var random = RandomSource(seed: seed)
        var tally = Tally()
        var bar = ProgressBar("power-loss trials", total: trials)
        var done = 0
        while done < trials {
            let folder = scratch + "/w\(tally.workloads)"
            let workload = try engine.map { try recordEngine(in: folder, models: $0, random: &random) } ?? record(in: folder, random: &random)
            tally.workloads += 1
            tally.crashPoints += workload.operations.count
            for _ in 0..<min(trialsPerWorkload, trials - done) {
                try trial(workload, in: scratch + "/t\(done)", random: &random, tally: &tally)
                done += 1
                bar.update(done)
            }
            try? FileManager.default.removeItem(atPath: workload.root)
        }
        bar.finish()
        return tally
    }

    /// Appends batches (some with a blob), sometimes closing and reopening the writer, on a
    /// store with 4 KiB segments so that segments fill, seal and roll often.
    private func record(in root: String, random: inout RandomSource) throws -> Workload {
        try FileSystem().createDirectory(root)
        let recorder = WriteRecorder(root: root)
        let store = root + "/store"
        var writer = try LogWriter.create(at: store, options: StoreOptions(durability: durability, segmentBytes: 4096), syscalls: recorder.syscalls)
        var workload = Workload(root: root, operations: [], created: recorder.count, acks: [], attempted: [])
        for _ in 0..<appendsPerWorkload {
            var blobs: [Hash256] = []
            if random.next() % 4 == 0 {
                let bytes = (0..<Int(random.next() % 3000) + 100).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                blobs = [try writer.putBlob(bytes)]
            }
            let batch = (0..<Int(random.next() % 4) + 1).map { i in
                let length = Int(random.next() % 600) + 1
                let text = String(repeating: "event-\(workload.attempted.count + i)-", count: length / 8 + 1)
                return EventDraft(type: "PowerLoss", payload: Array(text.utf8.prefix(length)), blobs: i == 0 ? blobs : [])
            }
            workload.attempted += batch
            let range = try writer.append(batch)
            workload.acks.append((recorder.count, range.upperBound))
            if random.next() % 20 == 0 {
                try writer.close()
                writer = try LogWriter(at: store, syscalls: recorder.syscalls)
            }
        }
        try writer.close()
        workload.operations = recorder.operations
        return workload
    }

    /// Rounds of ask and feedback (every answer learns; a third get a correction), with a
    /// snapshot every third round. What was appended is read back from the store at the end.
    private func recordEngine(in root: String, models: EngineModels, random: inout RandomSource) throws -> Workload {
        try FileSystem().createDirectory(root)
        let recorder = WriteRecorder(root: root)
        let store = root + "/store"
        let writer = try LogWriter.create(at: store, options: StoreOptions(durability: durability), syscalls: recorder.syscalls)
        var workload = Workload(root: root, operations: [], created: recorder.count, acks: [], attempted: [])
        let engine = try Engine(writer: writer, models: models, config: EngineConfig(maxTokens: 6))
        func acknowledge() throws { workload.acks.append((recorder.count, try writer.store.head(of: "main"))) }
        try acknowledge()
        for round in 1...max(1, appendsPerWorkload / 4) {
            let answer = try engine.ask(CrashEngineWorker.prompts[Int(random.next() % UInt64(CrashEngineWorker.prompts.count))])
            try acknowledge()
            try engine.feedback(interaction: answer.interaction, reward: random.next() % 2 == 0 ? 1 : -1,
                                correction: random.next() % 3 == 0 ? "An answer." : nil)
            try acknowledge()
            if round % 3 == 0 {
                _ = try engine.snapshot()
                try acknowledge()
            }
        }
        workload.attempted = try writer.store.events().map(\.draft)
        try writer.close()
        workload.operations = recorder.operations
        return workload
    }

    private func trial(_ workload: Workload, in folder: String, random: inout RandomSource, tally: inout Tally) throws {
        let point = Int(random.next() % UInt64(workload.operations.count + 1))
        let disk = PowerLoss(root: workload.root, operations: workload.operations.prefix(point))
        try PowerLoss.materialize(disk.crash(.random(using: &random), using: &random), at: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/store"
        let acked = workload.acks.last { $0.point <= point }?.through ?? 0
        tally.ackedEvents += Int(acked)
        let at = "crash after change \(point) of \(workload.operations.count) in workload \(tally.workloads)"

        guard LogStore.exists(at: store) else {
            if point >= workload.created {
                tally.unopenable += 1
                tally.lostAcked += Int(acked)
                tally.problem("\(at): the store is gone, though its creation had returned")
            }
            return
        }
        let writer: LogWriter
        do {
            writer = try LogWriter(at: store)
        } catch {
            tally.unopenable += 1
            tally.problem("\(at): the store does not open: \(error)")
            return
        }
        defer { try? writer.close() }
        tally.recovered += writer.recovered.count
        do {
            try check(writer.store, against: workload, acked: acked, at: at, tally: &tally)
            if let engine { try checkEngine(writer, models: engine, at: at, tally: &tally) }
        } catch {
            tally.unopenable += 1
            tally.problem("\(at): the recovered store cannot be read: \(error)")
        }
    }

    /// An engine opens on the image (redoing a learning step the power cut short) and its
    /// state is what replay, with and without snapshots, gives.
    private func checkEngine(_ writer: LogWriter, models: EngineModels, at: String, tally: inout Tally) throws {
        let before = try writer.store.head(of: "main")
        let opened = try Engine(writer: writer, models: models)
        tally.redoneRecords += Int(try writer.store.head(of: "main") - before)
        for snapshots in [true, false] where try Replay.run(writer.store, useSnapshots: snapshots).state.hash != opened.state.hash {
            tally.replayMismatch += 1
            tally.problem("\(at): replay\(snapshots ? "" : " from zero") is not the state the engine opened on")
        }
    }

    /// Every visible event is what was appended at its sequence, every acknowledged one is
    /// there with its blobs, and verify passes.
    private func check(_ store: LogStore, against workload: Workload, acked: UInt64, at: String, tally: inout Tally) throws {
        var expected: UInt64 = 1
        try store.forEachEvent { event in
            let index = Int(event.sequence) - 1
            if event.sequence != expected || index >= workload.attempted.count || event.draft != workload.attempted[index] {
                tally.tornVisible += 1
                tally.problem("\(at): event \(event.sequence) is not what was appended there")
            }
            expected = event.sequence + 1
        }
        let head = try store.head(of: "main")
        tally.visibleEvents += Int(head)
        if head < acked {
            tally.lostAcked += Int(acked - head)
            tally.problem("\(at): \(acked - head) acknowledged event(s) lost (head \(head), acknowledged through \(acked))")
        }
        for draft in workload.attempted.prefix(Int(min(acked, head))) {
            for blob in draft.blobs where !store.blobs.contains(blob) {
                tally.missingBlobs += 1
                tally.problem("\(at): blob \(blob.hex.prefix(12)) of an acknowledged event is missing")
            }
        }
        let report = StoreVerifier.verify(store)
        if !report.ok {
            tally.verifyFailed += 1
            tally.problem("\(at): verify after recovery: \(report.problems[0])")
        }
    }
}
