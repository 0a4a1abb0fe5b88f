import ArgumentParser
import CommandLineSupport
import Demo
import EventLog
import GESAL

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "How well SAGE's trigger sees wrong answers on a branch, and what other settings would do.",
        discussion: helpText("""
        Reads the branch's judgements (TriggerFired.v2) and prints, against the feedback's
        verdicts (negative is wrong): how many fired, precision and recall, and the AUROC of
        the label-free score and of each label-free signal, with 95% intervals. Any
        --trigger-* option judges the whole history again under those settings (the others
        as recorded) and prints the same figures: every answer's signals are in the log, so
        nothing is re-run and nothing is written. A store made without --trigger can be
        judged this way too (without the correction's MiniLM cosine, which needs the model).

        Examples:
          gesal-log trigger
          gesal-log trigger --trigger-threshold 0.6 --trigger-weight nodeDistance=0
          gesal-log trigger --source checker --trigger-warmup 40
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to read.")
    var branch = "main"

    @Option(help: "Count only feedback from this source (user, checker, ...) as verdicts; every source when omitted.")
    var source: String?

    @OptionGroup var trigger: TriggerOptions

    func validate() throws {
        _ = try trigger.settings()  // ranges and signal names, before anything is read
    }

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            let events = try store.events(branch: branch).map { try DomainEvent($0) }
            guard case .storeCreated(let created)? = events.first else {
                throw ValidationError("branch '\(branch)' of \(location.storeShown) is not a GESAL history (no StoreCreated)")
            }
            if let recorded = created.config.trigger {
                print("recorded settings: " + Self.describe(recorded))
                TriggerFigures(events, source: source).lines.forEach { print($0) }
            } else {
                print("the store was made without a trigger" + (trigger.isEmpty ? "; judging it with the default settings" : ""))
            }
            guard !trigger.isEmpty || created.config.trigger == nil else { return }
            let settings = try trigger.settings(changing: created.config.trigger ?? TriggerSettings())
            print("judged again with: " + Self.describe(settings))
            TriggerFigures(settings.rejudged(events), source: source).lines.forEach { print($0) }
        }
    }

    static func describe(_ settings: TriggerSettings) -> String {
        "threshold \(settings.threshold), warm-up \(settings.warmup), weights "
            + settings.weights.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
