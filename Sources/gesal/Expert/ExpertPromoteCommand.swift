import ArgumentParser
import CommandLineSupport
import Engine
import GESAL

struct ExpertPromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Add a node's learned adapter to the library as an expert.",
        discussion: helpText("""
        What feedback taught one node of the graph memory becomes a named expert that
        dispatch can choose for any prompt. The node keeps its adapter and goes on learning;
        the expert is the adapter as it is now.

        Examples:
          gesal expert promote --node 3 --name letters-from-feedback
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: "The node whose adapter to promote (see gesal-log audit node N).")
    var node: Int

    @Option(help: "The expert's name: letters, digits, '.', '_' and '-'.")
    var name: String

    func validate() throws {
        do { try checkExpertName(name) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        try reportingErrors {
            // Checked on the replayed log first: a wrong node or name fails before any model loads.
            _ = try replayedState(store: engine.store, branch: engine.branch).promotion(of: node, as: name, branch: engine.branch)
            let promoted = try engine.openEngine(create: false).promoteExpert(node: node, name: name)
            print("expert \(promoted.name) = node \(promoted.node)'s adapter \(promoted.adapter.prefix(12))")
        }
    }
}
