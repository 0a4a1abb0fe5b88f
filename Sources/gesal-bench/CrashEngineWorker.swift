import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Glibc
import GESAL
import Models
import ReadModel

/// The child process of `gesal-bench crash --engine`: opens the engine on a store (creating
/// it the first time) and works until it is killed: asks, feedback that learns, snapshots,
/// `rollback --exclude` of its last feedback, and a read-model rebuild. After each operation
/// returns it writes `BRANCH HEAD` (what is now acknowledged) with one `write(2)`.
struct CrashEngineWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-engine-worker",
        abstract: "Child process of `crash --engine`: run the engine until killed, reporting acknowledgements.",
        shouldDisplay: false)

    @Option var store: String
    @Option var seed: UInt64 = 1
    @OptionGroup var models: EngineModelOptions

    static let prompts = ["What is 12 + 7? Answer with a number.", "What is the capital of France?", "How many legs does a spider have?",
                          "What is 9 times 3? Answer with a number.", "Name a primary colour."]

    func run() throws {
        let loaded = try models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let writer = LogStore.exists(at: store) ? try LogWriter(at: store) : try LogWriter.create(at: store)
        let engine = try Engine(writer: writer, models: loaded, config: EngineConfig(maxTokens: 6))
        var random = RandomSource(seed: seed)
        // Which extra operations follow a round is drawn, not counted, because a worker often
        // lives for only a round or two before it is killed.
        for step in 1... {
            let answer = try engine.ask(Self.prompts[Int(random.next() % UInt64(Self.prompts.count))])
            try acknowledge("main", engine)
            let correction = random.next() % 3 == 0 ? "An answer." : nil
            try engine.feedback(interaction: answer.interaction, reward: random.next() % 2 == 0 ? 1 : -1, correction: correction)
            try acknowledge("main", engine)
            if random.next() % 4 == 0 {
                _ = try engine.snapshot()
                try acknowledge("main", engine)
            }
            if random.next() % 4 == 0 {
                let last = try engine.writer.history.events().last { FeedbackRecorded.typeNames.contains($0.type) }!.sequence
                let name = "rollback-\(getpid())-\(step)"
                _ = try Rollback.exclude([last], from: "main", into: name, writer: engine.writer, models: loaded, reason: "crash test")
                try acknowledge(name, engine)
            }
            if random.next() % 3 == 0 {
                _ = try ReadModelIndex.rebuild(try SQLiteDatabase(path: store + "/readmodel.sqlite"), from: writer.store)
            }
        }
    }

    private func acknowledge(_ branch: String, _ engine: Engine) throws {
        let line = Array("\(branch) \(try engine.writer.history.head(of: branch))\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
}
