import Testing

/// `gesal-bench crash --power-loss`: 300 simulated power failures the log must survive, and
/// a store that never syncs, which the check must catch losing acknowledged events.
@Suite struct PowerLossCLITests {
    private func lastLine(_ text: String) -> String { text.split(separator: "\n").last.map(String.init) ?? "" }

    @Test func threeHundredPowerLossesLoseNothingAcknowledged() throws {
        let run = try CommandRunner.run("gesal-bench", ["crash", "--power-loss", "--trials", "300"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(lastLine(run.stdout) == "trials=300 lost_acked=0 torn_visible=0 missing_blobs=0", "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("unopenable=0\nverify_failed=0\n"))
    }

    @Test func aStoreThatNeverSyncsIsCaughtLosingAcknowledgedEvents() throws {
        let run = try CommandRunner.run("gesal-bench", ["crash", "--power-loss", "--trials", "100", "--durability", "none"])
        #expect(run.status == 1)
        let lost = lastLine(run.stdout).split(separator: " ").first { $0.hasPrefix("lost_acked=") }.flatMap { Int($0.dropFirst("lost_acked=".count)) }
        #expect((lost ?? 0) > 0, "\(run.stdout)")
        #expect(run.stderr.contains("first problem: crash after change"), "\(run.stderr)")
    }
}
