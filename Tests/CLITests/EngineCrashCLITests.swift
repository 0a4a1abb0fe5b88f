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
}
