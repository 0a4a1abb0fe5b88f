import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a branch's state from the log and print its state hash and a summary.",
        discussion: helpText("""
        Replay starts from the newest snapshot at or before the target and folds the events
        after it; the state hash is the same either way (--no-snapshots checks). With
        --reexecute, every learning step is run again with the model from the state before it,
        and its result is compared with the recorded adapter bit for bit.

        Output is one name=value per line.

        Examples:
          gesal-log replay
          gesal-log replay --to 120 --branch experiment
          gesal-log replay --as-of 2026-11-21T10:00:00Z
          gesal-log replay --reexecute
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: "Replay through this sequence number (default: the head).")
    var to: UInt64?

    @Option(help: "Replay the events committed at or before this time (ISO 8601, e.g. 2026-11-21T10:00:00Z).")
    var asOf: String?

    @Flag(help: "Ignore snapshots: fold every event from the start.")
    var noSnapshots = false

    @Flag(help: "Re-run every learning step with the model and check each recorded adapter bit for bit.")
    var reexecute = false

    func validate() throws {
        if to != nil && asOf != nil { throw ValidationError("give --to or --as-of, not both") }
        if let asOf { _ = try Self.nanos(asOf) }
    }

    /// The `--as-of` time, in the log's unit (nanoseconds since 1970).
    static func nanos(_ text: String) throws -> Int64 {
        guard case .time(let nanos) = try HistoryPoint(parsing: text, option: "--as-of") else {
            throw ValidationError("--as-of takes a time like 2026-11-21T10:00:00Z; for a sequence number use --to")
        }
        return nanos
    }

    func run() throws {
        try reportingErrors {
            let store = try openHistory(engine.store)
            var target = to
            if let asOf {
                target = try HistoryPoint.lastSequence(in: store, branch: engine.branch, atOrBefore: try Self.nanos(asOf))
            }
            let replay = try Replay.run(store, branch: engine.branch, through: target, useSnapshots: !noSnapshots)
            for skipped in replay.skippedSnapshots { writeStandardError("warning: skipped \(skipped)\n") }
            let state = replay.state
            print("branch=\(engine.branch)")
            print("sequence=\(replay.sequence)")
            print("state_hash=\(state.hash.hex)")
            print("from_snapshot=\(replay.snapshot.map { String($0.sequence) } ?? "none")")
            print("events_applied=\(replay.eventsApplied)")
            print("interactions=\(state.interactions.count)")
            print("feedback=\(state.interactions.values.map(\.rewards.count).reduce(0, +))")
            print("nodes=\(state.nodes.count)")
            print("updates=\(state.updates)")
            print("rejected_updates=\(state.rejectedUpdates)")
            guard reexecute else { return }
            let head = try store.head(of: engine.branch)
            guard target == nil || target == head else {
                throw ValidationError("--reexecute checks the whole branch; leave out --to and --as-of")
            }
            guard let created = state.created else { throw ValidationError("the branch is empty: nothing to re-execute") }
            let models = try engine.models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                                      storage: created.weightStorage)
            let progress = ProgressReporter("re-executing")
            let report = try Reexecution.verify(store, branch: engine.branch, models: models) { progress.update($0, $1) }
            progress.finish()
            for warning in report.warnings { writeStandardError("warning: \(warning)\n") }
            print("learning_steps=\(report.steps - report.imports - report.searches - report.experts - report.knowledge)")
            if report.imports > 0 { print("imports=\(report.imports)") }
            if report.searches > 0 { print("lora_searches=\(report.searches)") }
            if report.experts > 0 { print("expert_trainings=\(report.experts)") }
            if report.knowledge > 0 { print("self_edit_checks=\(report.knowledge)") }
            print("reproduced=\(report.reproduced)")  // learning steps, imports, searches and expert trainings
            for mismatch in report.mismatches { print("mismatch: \(mismatch)") }
            if !report.mismatches.isEmpty { throw ExitCode.failure }
        }
    }
}
