import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Tasks

struct BisectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bisect",
        abstract: "Find the feedback that broke an answer: binary search over a branch's history.",
        discussion: helpText("""
        Give a point where the test passes (--good SEQ) and one where it fails (--bad SEQ,
        default the head). bisect replays the branch once from the nearest snapshot, and
        then evaluates the state at the middle of the stretch still in doubt, halving it
        until one event is left: the first after which the test fails. Only events that can
        change an answer are searched (a learning step, negative feedback, a node made or
        moved), and for the built-in tests only those that change how the test's prompts
        are answered, so a long history takes few evaluations: at most ceil(log2 N) + 2 for
        N such events.

        The test is one of:
          --item "PROMPT" --expect N
              the strict checker: the first number of the answer is N
          --control [--max-drop P]
              the \(TaskGenerators.control.count) control questions lose at most P points (default 0)
          --task T --min-accuracy A
              a task split (as in gesal eval) scores at least A (0 to 1)
          --command CMD
              exit status 0 means good; CMD sees GESAL_STORE, GESAL_BRANCH
              and GESAL_AT (the sequence), for example
              gesal eval --store "$GESAL_STORE" --at "$GESAL_AT" ...

        bisect prints each evaluation, then the first bad event with its audit: which
        feedback, on which interaction, which node's adapter. Nothing is written, unless
        --exclude: then the culprit's inputs are left out with `rollback --exclude` into a
        new branch (--into), the test is run again there, and the search is recorded on
        that branch as a Bisected event.

        Examples:
          gesal-log bisect --good 12 --item "How many days are in a week?" --expect 7
          gesal-log bisect --good 12 --bad 300 --control --max-drop 5 --exclude
          gesal-log bisect --good 12 --task letters --split taught --min-accuracy 0.6
          gesal-log bisect --good 12 --command './my-check.sh'
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: ArgumentHelp("A sequence after which the test passes.", valueName: "SEQ"))
    var good: UInt64

    @Option(help: ArgumentHelp("A sequence after which the test fails (default: the head).", valueName: "SEQ"))
    var bad: UInt64?

    @Option(help: ArgumentHelp("Test: the prompt to ask (with --expect).", valueName: "PROMPT"))
    var item: String?

    @Option(help: ArgumentHelp("Test: the number the answer to --item must give.", valueName: "N"))
    var expect: Int?

    @Flag(help: "Test: the control questions.")
    var control = false

    @Option(help: ArgumentHelp("With --control: how many accuracy points below --good still pass.", valueName: "P"))
    var maxDrop: Double = 0

    @OptionGroup var tasks: TaskOptions

    @Option(help: ArgumentHelp("Test: --task's items pass at this accuracy (0 to 1) or above.", valueName: "A"))
    var minAccuracy: Double?

    @Option(help: ArgumentHelp("Test: a shell command; exit status 0 means good.", valueName: "CMD"))
    var command: String?

    @Flag(help: "Re-run the branch without the culprit's inputs into a new branch, and test it.")
    var exclude = false

    @Option(help: "The branch --exclude makes (default: <branch>-bisect-<first bad SEQ>).")
    var into: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        let chosen = [item != nil, control, minAccuracy != nil, command != nil].filter { $0 }.count
        guard chosen == 1 else {
            throw ValidationError("give one test: --item PROMPT --expect N, --control, --task T --min-accuracy A, or --command CMD")
        }
        if item != nil, expect == nil { throw ValidationError("--item needs --expect N: the number a right answer gives") }
        if expect != nil, item == nil { throw ValidationError("--expect goes with --item PROMPT") }
        if let item, item.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--item is empty: give the prompt to ask") }
        if let minAccuracy, !(0...1).contains(minAccuracy) { throw ValidationError("--min-accuracy is a share from 0 to 1, not \(minAccuracy)") }
        guard maxDrop.isFinite, (0...100).contains(maxDrop) else { throw ValidationError("--max-drop is in accuracy points from 0 to 100, not \(maxDrop)") }
        if maxDrop != 0, !control { throw ValidationError("--max-drop goes with --control") }
        if into != nil, !exclude { throw ValidationError("--into names the branch --exclude makes; add --exclude") }
        if let bad, good >= bad { throw ValidationError("--good \(good) is not before --bad \(bad): the good point comes first") }
    }

    /// The test as a person would type it, recorded in `Bisected`.
    var testDescription: String {
        if let item, let expect { return "--item \(Audit.quote(item)) --expect \(expect)" }
        if control { return "--control --max-drop \(maxDrop)" }
        if let minAccuracy { return "--task \(tasks.task) --split \(tasks.split) --count \(tasks.count) --seed \(tasks.seed) --min-accuracy \(minAccuracy)" }
        return "--command \(Audit.quote(command ?? ""))"
    }

    func test(store: String) throws -> BisectTest {
        if let item, let expect { return .answers([TaskItem(task: "item", prompt: item, answer: expect)], .minAccuracy(1)) }
        if control { return .answers(TaskGenerators.control, .maxDrop(maxDrop / 100)) }
        if let minAccuracy { return .answers(try tasks.load(), .minAccuracy(minAccuracy)) }
        let command = command!
        return .external { branch, sequence in
            let status = try ShellCommand.run(command, environment: ["GESAL_STORE": store, "GESAL_BRANCH": branch, "GESAL_AT": String(sequence)])
            return (status == 0, "exit status \(status)")
        }
    }

    func run() throws {
        try reportingErrors {
            guard let created = try Engine.storeCreated(at: engine.store, branch: engine.branch) else {
                throw ValidationError("branch '\(engine.branch)' of \(engine.storeShown) is not a GESAL store (no StoreCreated)")
            }
            // --exclude writes: take the writer's lock before the search, so a busy store fails at once.
            let writer = exclude ? try openHistoryWriter(engine.store) : nil
            let store = try writer?.history ?? openHistory(engine.store)
            if let into, try store.branches()[into] != nil {
                throw ValidationError("a branch named '\(into)' already exists (see `gesal-log branch list`); choose another --into")
            }
            var loaded: EngineModels?
            let models = {
                if let loaded { return loaded }
                loaded = try engine.models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                                      storage: created.weightStorage)
                return loaded!
            }
            let bisection = Bisection(store: store, branch: engine.branch, test: try test(store: absolute(engine.store)), models: models)
            let report = try bisection.run(good: good, bad: bad ?? store.head(of: engine.branch)) { step, left in
                guard !json else { return }
                print("event \(step.sequence): \(step.good ? "good" : "bad ")  \(terminalSafe(step.detail))  (at most \(left) more)")
            }
            var exclusion: Bisection.Exclusion?
            if let writer {
                let name = into ?? "\(engine.branch)-bisect-\(report.culprit)"
                let progress = ProgressReporter("re-running without \(report.inputs.map(String.init).joined(separator: ","))")
                exclusion = try bisection.exclude(report, into: name, writer: writer, models: try models(), test: testDescription) { progress.update($0, $1) }
                progress.finish()
                try writer.close()
            }
            json ? try printJSON(report, exclusion) : printText(report, exclusion)
        }
    }

    func printText(_ report: Bisection.Report, _ exclusion: Bisection.Exclusion?) {
        print("first_bad=\(report.culprit)")
        print("first_bad_type=\(report.culpritType)")
        print("inputs=\(report.inputs.map(String.init).joined(separator: ","))")
        print("learning_steps=\(report.learningSteps)")
        print("candidates=\(report.candidates.count)")
        print("evaluations=\(report.evaluations)")
        for line in report.audit { print("audit: \(terminalSafe(line))") }
        if let exclusion {
            print("branch=\(exclusion.rollback.branch)")
            print("state_hash=\(exclusion.rollback.stateHash)")
            print("retest=\(exclusion.retest.good ? "good" : "bad") (\(terminalSafe(exclusion.retest.detail)))")
        } else if !report.inputs.isEmpty {
            print("next: gesal-log bisect ... --exclude, or gesal-log rollback --exclude \(report.inputs.map(String.init).joined(separator: ","))")
        }
    }

    func printJSON(_ report: Bisection.Report, _ exclusion: Bisection.Exclusion?) throws {
        struct Output: Encodable {
            var branch: String, good: UInt64, bad: UInt64, test: String, firstBad: UInt64, firstBadType: String, inputs: [UInt64]
            var learningSteps: Int, candidates: Int, evaluations: Int, steps: [Bisected.Step], audit: [String]
            var excludedInto: String?, stateHash: String?, retest: Bisected.Step?
        }
        let output = Output(branch: report.branch, good: report.good, bad: report.bad, test: testDescription, firstBad: report.culprit,
                            firstBadType: report.culpritType, inputs: report.inputs, learningSteps: report.learningSteps,
                            candidates: report.candidates.count, evaluations: report.evaluations, steps: report.steps, audit: report.audit,
                            excludedInto: exclusion?.rollback.branch, stateHash: exclusion?.rollback.stateHash, retest: exclusion?.retest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
