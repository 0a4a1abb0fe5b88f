import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Models
import Tensor
import SystemIO

struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Replay, snapshots, audit and feedback-to-update latency of the GESAL engine.",
        discussion: helpText("""
          replay_events_per_s            replaying a synthetic history of --interactions interactions from the start
                                         (384-float MiniLM-sized embeddings; one update per two interactions),
                                         the median of --replays runs
          replay_json_events_per_s       the same history written with JSON payloads (as before binary payloads),
                                         replayed the same way: the baseline
          replay_read_ahead              on when replay reads records on a second thread (more than one processor,
                                         segments of 1 MiB or more: the default history's is about 21 MB)
          replay_one_thread_events_per_s the same replays read on one thread, timed in turn with them
          read_ahead_speedup             replay_one_thread time / replay time
          replay_vs_json_ratio           replay_events_per_s / replay_json_events_per_s
          crc_kernel                     how record checksums ran: sse4.2 or portable
          replay_from_zero_s             that replay's time
          replay_from_snapshot_s         replaying the same history from a snapshot taken halfway
          replay_from_snapshot_speedup   replay_from_zero_s / replay_from_snapshot_s
          audit_ms                       `audit node` of the busiest node of that history
          feedback_to_update_ms          SmolLM2: a feedback recorded, its REINFORCE-SVF update run, blobs and
                                         events durable (fsync), median of --feedbacks
          ask_ms                         SmolLM2: embed, route, answer (12 tokens) and record, median
          eval_at_replay_ms              `gesal eval --at` three quarters into the synthetic history: its replay
                                         from the halfway snapshot (the evaluation itself is not timed)
          eval_at_replay_from_zero_ms    the same replay without snapshots, the baseline of the ratio
          bisect_s                       `gesal-log bisect --control` over a store of --bisect-steps learning steps
                                         (real MiniLM routing and SmolLM2 answers; the adapters are synthetic SVF
                                         vectors near identity on letter-counting nodes, and one poison on a
                                         control node that silences its question)
          bisect_evaluations             how many times that bisect scored the control set
          bisect_found_poison            1 when it named the poisoned step

        Example:
          swift run -c release gesal-bench engine --threads 2
        """))

    @OptionGroup var options: EngineModelOptions

    @Option(help: "Interactions in the synthetic history.")
    var interactions = 10_000

    @Option(help: "Feedback events timed on the real model (0 skips the model).")
    var feedbacks = 3

    @Option(help: "Learning steps in the store bisect searches (0 skips it).")
    var bisectSteps = 1_000

    @Option(help: "Replays from the start to time; the median is printed.")
    var replays = 5

    @Option(help: ArgumentHelp("Keep the synthetic history's store in this new folder (to profile `gesal-log replay` on it).",
                               valueName: "folder"))
    var keep: String?

    func run() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try replayFigures(keep ?? folder + "/synthetic", json: folder + "/synthetic-json")
        if feedbacks > 0 { try modelFigures(folder + "/real") }
        if bisectSteps > 0 { try bisectFigures(folder + "/bisect") }
    }

    /// Replay, snapshot and audit figures on a synthetic history (see `SyntheticHistory`).
    private func replayFigures(_ path: String, json jsonPath: String) throws {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        let (state, snapshot) = try SyntheticHistory.write(interactions: interactions, to: writer)
        let store = writer.store
        let events = Int(try store.head(of: "main"))
        var zero: Replay?, fromSnapshot: Replay?
        // Each run's state is freed outside its timing: freeing the last replay's state is not
        // part of replaying (it was a tenth of the figure).
        // The same replay read on one thread is timed in turn with it: the read-ahead's baseline.
        var oneThread = store
        oneThread.readAhead = .never
        var zeroTimes: [Double] = [], oneThreadTimes: [Double] = []
        for _ in 0..<max(replays, 1) {
            var run: Replay?
            zeroTimes.append(try timed { run = try Replay.run(store, useSnapshots: false) })
            zero = run
            oneThreadTimes.append(try timed { run = try Replay.run(oneThread, useSnapshots: false) })
            precondition(run!.state.hash == state.hash)
        }
        let zeroTime = median(zeroTimes), oneThreadTime = median(oneThreadTimes)
        let snapshotTime = try timed { fromSnapshot = try Replay.run(store) }
        precondition(zero!.state.hash == state.hash && fromSnapshot!.state.hash == state.hash && fromSnapshot!.snapshot == snapshot)
        let at = UInt64(events * 3 / 4)
        var fromSnapshotAt: Replay?
        let atTime = try timed { fromSnapshotAt = try Replay.run(store, through: at) }
        var atZero: Replay?
        let atZeroTime = try timed { atZero = try Replay.run(store, through: at, useSnapshots: false) }
        precondition(atZero!.sequence == at)
        precondition(fromSnapshotAt!.snapshot == snapshot)
        let busiest = state.nodes.values.max { $0.count < $1.count }!.id
        var entries = 0
        let auditTime = try timed { entries = try Audit.trace(.node(busiest), in: store).count }
        try writer.close()
        let jsonWriter = try LogWriter.create(at: jsonPath, options: StoreOptions(durability: .none))
        _ = try SyntheticHistory.write(interactions: interactions, to: jsonWriter, json: true)
        var json: Replay?
        let jsonTime = try timed { json = try Replay.run(jsonWriter.store, useSnapshots: false) }
        precondition(json!.state.hash == state.hash)
        try jsonWriter.close()
        print("events=\(events)")
        print("interactions=\(interactions)")
        print(line("replay_events_per_s", Double(events) / zeroTime, decimals: 0))
        let stats = try StoreStats.of(store)
        print("replay_read_ahead=\(store.readAhead.applies(toBytes: stats.segmentBytes / max(stats.segments, 1)) ? "on" : "off")")
        print(line("replay_one_thread_events_per_s", Double(events) / oneThreadTime, decimals: 0))
        print(line("read_ahead_speedup", oneThreadTime / zeroTime, decimals: 2))
        print(line("replay_json_events_per_s", Double(events) / jsonTime, decimals: 0))
        print(line("replay_vs_json_ratio", jsonTime / zeroTime, decimals: 2))
        print("crc_kernel=\(CRC32C.kernel)")
        print(line("replay_from_zero_s", zeroTime, decimals: 3))
        print(line("replay_from_snapshot_s", snapshotTime, decimals: 3))
        print(line("replay_from_snapshot_speedup", zeroTime / snapshotTime, decimals: 2))
        print(line("audit_ms", auditTime * 1000))
        print("audit_entries=\(entries)")
        print(line("eval_at_replay_ms", atTime * 1000))
        print(line("eval_at_replay_from_zero_ms", atZeroTime * 1000))
    }

    private func modelFigures(_ path: String) throws {
        let models = try options.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let writer = try LogWriter.create(at: path)
        let engine = try Engine(writer: writer, models: models, config: EngineConfig(maxTokens: 12))
        var asks: [Double] = [], updates: [Double] = []
        for k in 0..<feedbacks {
            var answer: Engine.Answer?
            asks.append(try timed { answer = try engine.ask("What is \(12 + k) + 7? Answer with a number.") })
            updates.append(try timed { _ = try engine.feedback(interaction: answer!.interaction, reward: k % 2 == 0 ? -2 : 1) })
        }
        try writer.close()
        print("blas_core=\(BLASKernels.coreName)")
        print(line("ask_ms", median(asks) * 1000))
        print(line("feedback_to_update_ms", median(updates) * 1000))
    }
}
