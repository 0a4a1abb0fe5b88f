import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import GESAL

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo learning: move a branch back, or re-run it without some feedback.",
        discussion: helpText("""
        --to SEQ moves the branch's head back to SEQ (nothing is deleted; --undo moves it
        forward again, and the reflog records both).

        --exclude SEQ[,SEQ...] makes a new branch in which those feedback (or interaction)
        events never happened: it forks just before the first one, then replays the rest,
        re-running every later learning step with the model and regenerating any answer whose
        node or adapter changed. The source branch is untouched. Compare them with
        `gesal-log diff`. A passage learned with `gesal learn` is excluded by its
        PassageSubmitted event: every later passage is learned again with the settings it
        was learned with (and the self-edit writer trained again), so the new branch holds
        the state of a store that never learned it.

        Examples:
          gesal-log rollback --to 120
          gesal-log rollback --undo
          gesal-log rollback --exclude 41,45 --into without-poison
          gesal-log rollback --exclude 7 --into forget-plimt   (a PassageSubmitted)
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: ArgumentHelp("Move the branch's head back to this sequence number.", valueName: "SEQ"))
    var to: UInt64?

    @Flag(help: "Undo the branch's last rollback --to (or reset).")
    var undo = false

    @Option(help: ArgumentHelp("Feedback, interaction, adapter import or passage events to leave out, comma-separated.", valueName: "SEQ,..."))
    var exclude: String?

    @Option(help: "The new branch for --exclude (default: <branch>-without-<first SEQ>).")
    var into: String?

    @Option(help: "Why, recorded in the new branch's Reverted event.")
    var reason = "rollback --exclude"

    func excluded() throws -> [UInt64]? {
        guard let exclude else { return nil }
        let parts = exclude.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = parts.compactMap { UInt64($0) }
        guard !parts.isEmpty, numbers.count == parts.count else {
            throw ValidationError("--exclude takes sequence numbers separated by commas, like 41,45; got '\(exclude)'")
        }
        return numbers
    }

    func validate() throws {
        let chosen = [to != nil, undo, exclude != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of --to SEQ, --undo and --exclude SEQ,...") }
        _ = try excluded()
    }

    func run() throws {
        try reportingErrors {
            guard let sequences = try excluded() else {
                let (before, after) = try moveHead(store: engine.store, branch: engine.branch, to: to)
                let state = try Replay.run(openHistory(engine.store), branch: engine.branch).state
                print("\(engine.branch): head \(before) -> \(after), state \(state.hash.hex)")
                return
            }
            let name = into ?? "\(engine.branch)-without-\(sequences.min()!)"
            guard let created = try Engine.storeCreated(at: engine.store, branch: engine.branch) else {
                throw ValidationError("branch '\(engine.branch)' of \(engine.storeShown) is not a GESAL store (no StoreCreated)")
            }
            let writer = try openHistoryWriter(engine.store)
            // Every bad request fails here, before the models load.
            let plan = try Rollback.plan(sequences, from: engine.branch, into: name, in: writer.history)
            let models = try engine.models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                                      storage: created.weightStorage)
            let progress = ProgressReporter("re-running")
            let report = try Rollback.run(plan, writer: writer, models: models, reason: reason) { progress.update($0, $1) }
            progress.finish()
            try writer.close()
            print("branch=\(report.branch)")
            print("forked_at=\(report.fork)")
            print("dropped=\(report.dropped.map(String.init).joined(separator: ","))")
            print("interactions_replayed=\(report.interactions)")
            print("answers_regenerated=\(report.regeneratedAnswers)")
            print("learning_steps_rerun=\(report.learningSteps)")
            if report.experts > 0 || !report.skippedPromotions.isEmpty {
                print("expert_events_kept=\(report.experts)")
                print("promotions_skipped=\(report.skippedPromotions.map(String.init).joined(separator: ","))")
            }
            if report.knowledge > 0 || report.relearnedPassages > 0 || report.retrainedRounds > 0 || !report.skippedRounds.isEmpty {
                print("seal_events_kept=\(report.knowledge)")
                print("passages_relearned=\(report.relearnedPassages)")
                print("writer_rounds_retrained=\(report.retrainedRounds)")
                print("writer_rounds_skipped=\(report.skippedRounds.map(String.init).joined(separator: ","))")
            }
            print("state_hash=\(report.stateHash)")
        }
    }
}
