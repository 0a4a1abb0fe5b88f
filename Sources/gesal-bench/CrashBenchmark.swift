import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL
import Foundation
import Glibc
import Models
import SystemIO

struct CrashBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Kill a writer (SIGKILL) or its power (simulated) at random moments; check what recovery keeps.",
        discussion: helpText("""
        Each trial starts a child that appends with policy `always` and reports every
        acknowledged sequence number, kills it with SIGKILL a random delay after its first
        acknowledgement, opens the store (recovery runs) and checks it:
          lost_acked     acknowledged events missing after recovery (must be 0)
          torn_visible   visible events that are not exactly what was appended at their
                         sequence number, or out of order (must be 0)
        The last line is `trials=N lost_acked=L torn_visible=T`.

        A SIGKILL never loses a write the kernel accepted. With --power-loss, each trial is a
        simulated power failure instead: a workload appends (with blobs, segment rolls and
        reopenings) through a recording syscall seam, and the trial rebuilds what the disk
        could hold at a random point of it, with every write and name not yet fsync-ed lost,
        kept or torn at 512 B or 4 KiB sectors (docs/reliability.md). Also checked:
          missing_blobs  blobs of acknowledged events that are gone
          unopenable     images recovery cannot open or read
          verify_failed  recovered stores verify refuses
        The last line is `trials=N lost_acked=L torn_visible=T missing_blobs=M`; any problem
        is also named on standard error, and the exit status is 1. With --power-loss
        --engine, the workload is the engine's (asks, learning, snapshots; --appends / 4
        rounds), and each image is also opened by an engine and replayed (replay_mismatch).

        With --engine, each trial starts a worker that runs the engine on one store (asks,
        feedback that learns, snapshots, rollback --exclude, read-model rebuilds) and kills it
        a random delay after its first acknowledgement. Then a writer opens the store, the
        engine opens on it (redoing an interrupted learning step), and the checks are:
          lost_acked       acknowledged heads of any branch not reached
          replay_mismatch  replay (with, without snapshots) is not the engine's state
          unopenable       the store, the engine or a check fails with an error
        plus verify_failed, readmodel_failed and stale_temporaries (temporary files of dead
        writers left after a writer opened). Last line: `trials=N lost_acked=L
        replay_mismatch=R unopenable=U`. `--sabotage tear-acked` tears the acknowledged
        records at the end of main after each kill (what acknowledging before the write was
        durable would cost in a power cut): the checker must then fail with lost_acked > 0.

        Examples:
          swift run -c release gesal-bench crash --trials 200
          swift run -c release gesal-bench crash --power-loss --trials 10000
          gesal-bench crash --power-loss --durability none     (must fail)
          swift run -c release gesal-bench crash --engine --trials 500
          gesal-bench crash --engine --trials 2 --sabotage tear-acked   (must fail)
        """))

    @Flag(help: "Simulate power failures through the syscall seam instead of killing a process.")
    var powerLoss = false

    @Flag(help: "Kill the engine (real model) during asks, learning, snapshots, rollbacks and read-model rebuilds.")
    var engine = false

    @OptionGroup var models: EngineModelOptions

    @Option(help: ArgumentHelp("With --power-loss: the store's durability policy, always or none (none must fail).", valueName: "POLICY"))
    var durability = "always"

    @Option(help: ArgumentHelp("With --power-loss: appends per recorded workload.", valueName: "N"))
    var appends = 40

    @Option(help: ArgumentHelp("With --power-loss: trials drawn from each recorded workload.", valueName: "N"))
    var trialsPerWorkload = 50

    @Option(help: ArgumentHelp("With --engine: damage each killed store on purpose, so the checks must fail (tear-acked).", valueName: "KIND"))
    var sabotage: String?

    @Option(help: "How many kill-and-recover trials.")
    var trials = 200

    @Option(help: "Seed for the kill delays and batch sizes.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Longest delay before the kill, in milliseconds (default 60; with --engine 4000).", valueName: "MS"))
    var maxDelayMs: Int?

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard appends >= 1, trialsPerWorkload >= 1 else { throw ValidationError("--appends and --trials-per-workload must be at least 1") }
        if let maxDelayMs, maxDelayMs < 1 { throw ValidationError("--max-delay-ms must be at least 1") }
        guard ["always", "none"].contains(durability) else { throw ValidationError("--durability must be always or none, not '\(durability)'") }
        if let sabotage {
            guard sabotage == "tear-acked" else { throw ValidationError("--sabotage knows tear-acked, not '\(sabotage)'") }
            guard engine, !powerLoss else { throw ValidationError("--sabotage works with --engine (without --power-loss)") }
        }
    }

    func run() throws {
        if powerLoss { return try runPowerLoss() }
        if engine { return try runEngine() }  // SIGKILL of the engine
        let root = try FileSystem().makeTemporaryDirectory(prefix: "gesal-crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var random = RandomSource(seed: seed)

        var lostAcked = 0, tornVisible = 0, acknowledged = 0, recoveredTails = 0, visibleEvents = 0
        var bar = ProgressBar("crash trials", total: trials)
        for trial in 0..<trials {
            let store = root + "/trial\(trial)"
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ["crash-writer", "--store", store, "--seed", String(random.next())]
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = FileHandle.nullDevice
            try child.run()
            // The delay starts at the child's first acknowledgement, not at its start: on a busy
            // machine a child can take longer to start than the longest delay, and a trial that
            // kills it before it wrote anything tests nothing.
            let first = pipe.fileHandleForReading.availableData
            usleep(useconds_t(1000 + random.next() % UInt64(max(1, maxDelayMs ?? 60) * 1000)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let output = String(decoding: first + pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let lastAcked = output.split(separator: "\n").compactMap { UInt64($0) }.max() ?? 0
            acknowledged += Int(lastAcked)

            // Killed before the store existed: nothing can have been acknowledged.
            guard LogStore.exists(at: store) else {
                if lastAcked > 0 { lostAcked += Int(lastAcked) }
                continue
            }
            let writer = try LogWriter(at: store)
            recoveredTails += writer.recovered.count
            var expected: UInt64 = 1
            try writer.store.forEachEvent { event in
                if event.sequence != expected || event.draft != CrashPayload.event(event.sequence) { tornVisible += 1 }
                expected = event.sequence + 1
            }
            let head = try writer.store.head(of: "main")
            visibleEvents += Int(head)
            if head < lastAcked { lostAcked += Int(lastAcked - head) }
            let report = StoreVerifier.verify(writer.store)
            if !report.ok { tornVisible += report.problems.count }
            try writer.close()
            try? FileManager.default.removeItem(atPath: store)
            bar.update(trial + 1)
        }
        bar.finish()
        print("acked_events=\(acknowledged)")
        print("visible_events=\(visibleEvents)")
        print("recovered_tails=\(recoveredTails)")
        print("trials=\(trials) lost_acked=\(lostAcked) torn_visible=\(tornVisible)")
    }

    private func runPowerLoss() throws {
        let models = engine ? try self.models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets) : nil
        let simulation = PowerLossTrials(trials: trials, seed: seed, appendsPerWorkload: appends, trialsPerWorkload: trialsPerWorkload,
                                         durability: durability == "none" ? .none : .always, engine: models)
        let tally = try simulation.run()
        print("workloads=\(tally.workloads)")
        print("crash_points=\(tally.crashPoints)")
        print("acked_events=\(tally.ackedEvents)")
        print("visible_events=\(tally.visibleEvents)")
        print("recovered_tails=\(tally.recovered)")
        print("unopenable=\(tally.unopenable)")
        print("verify_failed=\(tally.verifyFailed)")
        if engine {
            print("redone_records=\(tally.redoneRecords)")
            print("replay_mismatch=\(tally.replayMismatch)")
        }
        print("trials=\(trials) lost_acked=\(tally.lostAcked) torn_visible=\(tally.tornVisible) missing_blobs=\(tally.missingBlobs)")
        if let problem = tally.firstProblem { writeStandardError("first problem: \(problem)\n") }
        if tally.failed { throw ExitCode.failure }
    }

    private func runEngine() throws {
        let tally = try EngineCrashTrials(trials: trials, seed: seed, maxDelayMs: maxDelayMs ?? 4000, models: models,
                                          tearAcknowledged: sabotage == "tear-acked").run()
        print("acked_heads=\(tally.acked)")
        print("recovered_tails=\(tally.recovered)")
        print("redone_records=\(tally.redoneRecords)")
        print("verify_failed=\(tally.verifyFailed)")
        print("readmodel_failed=\(tally.readModelFailed)")
        print("stale_temporaries=\(tally.staleTemporaries)")
        print("trials=\(trials) lost_acked=\(tally.lostAcked) replay_mismatch=\(tally.replayMismatch) unopenable=\(tally.unopenable)")
        if let problem = tally.firstProblem { writeStandardError("first problem: \(problem)\n") }
        if tally.failed { throw ExitCode.failure }
    }
}
