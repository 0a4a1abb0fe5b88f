import Foundation
import Testing

@Suite struct ToolCLITests {
    /// A short run of the SIGKILL crash test: every acknowledged event survives, nothing torn shows.
    @Test func crashHarnessLosesNothingAcknowledged() throws {
        let result = try CommandRunner.run("gesal-bench", ["crash", "--trials", "12", "--seed", "7"])
        #expect(result.status == 0, "\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last == "trials=12 lost_acked=0 torn_visible=0", "\(result.stdout)")
        let acked = result.stdout.split(separator: "\n").first { $0.hasPrefix("acked_events=") }
        #expect((acked.flatMap { Int($0.dropFirst("acked_events=".count)) } ?? 0) > 0, "the children acknowledged something")
    }

    @Test func logBenchmarkPrintsEveryFigure() throws {
        let result = try CommandRunner.run("gesal-bench", ["log", "--durable-batches", "5", "--nosync-batches", "20"])
        #expect(result.status == 0, "\(result.stderr)")
        let names = Set(result.stdout.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        for name in ["append_events_per_s", "fsync_floor_events_per_s", "append_vs_floor_ratio", "sqlite_insert_events_per_s",
                     "append_vs_sqlite_ratio", "append_nosync_events_per_s", "append_vs_sqlite_nosync_ratio",
                     "replay_events_per_s", "bytes_per_event", "lz4_ratio"] {
            #expect(names.contains(name), "missing \(name)")
        }
    }

    @Test func doctorFindsTheModelsOrSaysWhatToRun() throws {
        let missing = try CommandRunner.run("gesal", ["doctor", "--models", "/nonexistent", "--store", "/nonexistent-store"])
        #expect(missing.status != 0 && missing.stdout.contains("run ./scripts/setup.sh"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let present = try CommandRunner.run("gesal", ["doctor", "--models", root + "/.cache/models", "--store", "/nonexistent-store"])
        #expect(present.status == 0, "set-up should have unpacked the models: \(present.stdout)")
        #expect(present.stdout.contains("ok       default model"))
    }
}
