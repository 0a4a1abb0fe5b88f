import Testing
import TestSupport

/// `gesal-bench crash --engine`: the engine killed mid-work, twice, and the store it leaves
/// opens, keeps what was acknowledged and replays to the state the engine opens on.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct EngineCrashCLITests {
    @Test func anEngineKilledMidWorkLeavesAStoreThatOpensAndReplays() throws {
        let run = try CommandRunner.run("gesal-bench", ["crash", "--engine", "--trials", "2", "--max-delay-ms", "2000"], cwd: EngineCLITests.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last == "trials=2 lost_acked=0 replay_mismatch=0 unopenable=0", "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("verify_failed=0\nreadmodel_failed=0\nstale_temporaries=0\n"), "\(run.stdout)")
        let acked = run.stdout.split(separator: "\n").first { $0.hasPrefix("acked_heads=") }.flatMap { Int($0.dropFirst("acked_heads=".count)) }
        #expect((acked ?? 0) > 0, "the worker acknowledged something before each kill")
    }

    /// The checker says no: with main's acknowledged records torn after the kill, as a writer
    /// that acknowledged before its fsync would lose them in a power cut, it must count them.
    @Test func theCheckerReportsAcknowledgedRecordsThatAreTorn() throws {
        let run = try CommandRunner.run("gesal-bench", ["crash", "--engine", "--trials", "1", "--max-delay-ms", "500", "--sabotage", "tear-acked"],
                                        cwd: EngineCLITests.root)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("trials=1 lost_acked=") && !last.hasPrefix("trials=1 lost_acked=0 "), "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("but") && run.stderr.contains("was acknowledged"), "\(run.stderr)")
    }
}

/// `gesal-bench crash --power-loss --engine`: the engine's own writes (answers, learning
/// steps and their blobs, snapshots) through simulated power failures.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct EnginePowerLossCLITests {
    @Test func theEnginesWritesSurvivePowerLossAndReplayToTheOpenedState() throws {
        let run = try CommandRunner.run("gesal-bench", ["crash", "--power-loss", "--engine", "--trials", "8", "--appends", "8", "--trials-per-workload", "8"],
                                        cwd: EngineCLITests.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").last == "trials=8 lost_acked=0 torn_visible=0 missing_blobs=0", "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("replay_mismatch=0\n") && run.stdout.contains("unopenable=0\nverify_failed=0\n"), "\(run.stdout)")
    }
}
