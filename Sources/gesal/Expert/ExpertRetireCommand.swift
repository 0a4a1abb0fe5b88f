import ArgumentParser
import CommandLineSupport
import Engine
import GESAL

struct ExpertRetireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Take an expert out of the library (its name stays taken, its history stays).",
        discussion: helpText("""
        A retired expert is no longer offered to dispatch. Its training stays in the log,
        so `gesal-log audit expert NAME` still tells its story, and `gesal-log reset` to an
        earlier point brings it back.

        Examples:
          gesal expert retire adder --reason "overfits the training prompts"
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The expert's name.")
    var name: String

    @Option(help: "Why, for the log.")
    var reason = "retired by the user"

    func run() throws {
        try reportingErrors {
            // Checked on the replayed log first: a wrong name fails before any model loads.
            _ = try replayedState(store: engine.store, branch: engine.branch).retirement(of: name, reason: reason, branch: engine.branch)
            let opened = try engine.openEngine(create: false)
            try opened.retireExpert(name, reason: reason)
            print("expert \(name) retired")
        }
    }
}
