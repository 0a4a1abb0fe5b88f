import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct ExpertShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One expert: its task, settings, validation curve and kept checkpoint.",
        discussion: helpText("""
        Reads the store's log (no model is loaded).

        Examples:
          gesal expert show adder
          gesal expert show adder --json
        """))

    @OptionGroup var location: ExpertStoreOptions

    @Argument(help: "The expert's name.")
    var name: String

    @Flag(help: "Print the ExpertTrained (ExpertMixed, ExpertPromoted) payload as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            let facts = try store.events(branch: location.branch).map { try DomainEvent($0) }
            var retired: ExpertRetired?
            var origin: DomainEvent?
            for fact in facts {
                switch fact {
                case .expertTrained(let e) where e.name == name: origin = fact
                case .expertPromoted(let e) where e.name == name: origin = fact
                case .expertMixed(let e) where e.name == name: origin = fact
                case .expertRetired(let e) where e.name == name: retired = e
                default: break
                }
            }
            guard let origin else { throw try location.state().unknownExpert(name, branch: location.branch) }
            if json {
                print(String(decoding: try origin.draft().payload, as: UTF8.self))
                return
            }
            switch origin {
            case .expertTrained(let e):
                let s = e.settings
                print("expert \(terminalSafe(e.name)): task \(s.task), \(e.training.count) training and \(e.validation.count) validation items (of \(s.items), seed \(s.itemSeed))")
                print("objective \(s.objective.rawValue), \(s.composition) SVF on \(e.targets.joined(separator: ", ")); \(s.steps) steps of \(s.batch) prompts, "
                    + "learning rate \(s.learningRate), KL weight \(s.klWeight), at most \(s.maxTokens) tokens, seed \(s.seed)")
                print("step\tvalidation\tloss\tadapter")
                for (index, c) in e.curve.enumerated() {
                    print("\(c.step)\t\(String(format: "%.3f", c.accuracy))\t\(String(format: "%.4f", c.loss))\t\(c.adapter.prefix(12))\(index == e.kept ? "\tkept" : "")")
                }
            case .expertMixed(let e):
                let s = e.settings
                print("expert \(terminalSafe(e.name)): a CEM mix for \(s.task) on \(s.shots) shots (\(s.perMatrix ? "per matrix" : "per expert"), population \(s.population), \(s.elites) elites, seed \(s.seed))")
                MixTable(e).lines.forEach { print($0) }
            case .expertPromoted(let e):
                print("expert \(terminalSafe(e.name)): node \(e.node)'s adapter \(e.adapter.prefix(12)), promoted (gesal-log audit node \(e.node) tells how it learned)")
            default: break
            }
            if let retired { print("retired: \(terminalSafe(retired.reason))") }
        }
    }
}
