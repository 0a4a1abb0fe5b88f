import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct ExpertListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The library's experts: name, task or node, validation accuracy, adapter.",
        discussion: helpText("""
        Reads the store's log (no model is loaded). Retired experts are listed with --all.

        Examples:
          gesal expert list
          gesal expert list --all --store lab
        """))

    @OptionGroup var location: ExpertStoreOptions

    @Flag(help: "Also list retired experts.")
    var all = false

    func run() throws {
        try reportingErrors {
            let library = try location.state().experts
            let experts = library.keys.sorted().map { library[$0]! }
            let shown = experts.filter { all || !$0.retired }
            guard !shown.isEmpty else {
                print(experts.isEmpty ? "the library is empty: gesal expert train NAME --task T" : "no active experts (gesal expert list --all shows the retired)")
                return
            }
            print("name\tfrom\tvalidation\tadapter\(all ? "\tstatus" : "")")
            for expert in shown {
                let from = expert.task.map { "task \($0)" } ?? "node \(expert.node ?? 0)"
                let accuracy = expert.accuracy.map { String(format: "%.3f", $0) } ?? "-"
                print("\(terminalSafe(expert.name))\t\(from)\t\(accuracy)\t\(expert.adapter.prefix(12))\(all ? (expert.retired ? "\tretired" : "\tactive") : "")")
            }
        }
    }
}
