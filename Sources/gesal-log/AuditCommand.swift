import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Why a node, adapter, interaction, buffer cluster or expert is what it is: the events that made and changed it.",
        discussion: helpText("""
        Prints the causal chain in log order: the interaction that created a node, every
        prompt routed to it (with similarity), every feedback (with reward) and every update
        (with loss) that changed it. For an adapter, the chain up to the update that produced
        it; for an interaction, its routing, answer, feedback and the updates that used it;
        for a cluster of SAGE's buffer, the rounds that formed, grew, merged or dissolved it,
        and its members' answers, feedback and judgements; for an expert of Transformer²'s
        library, its training (task, settings, validation curve), promotion or retirement.

        Examples:
          gesal-log audit node 1
          gesal-log audit adapter 3fa2c19b
          gesal-log audit interaction 7 --branch experiment
          gesal-log audit cluster 2
          gesal-log audit expert adder
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to read.")
    var branch: String = "main"

    @Argument(help: "node, adapter, interaction, cluster or expert.")
    var kind: String

    @Argument(help: "The node, interaction or cluster number, the adapter's blob hash (or its first 6+ digits), or the expert's name.")
    var id: String

    func subject() throws -> Audit.Subject {
        switch kind {
        case "node":
            guard let n = Int(id) else { throw ValidationError("a node is a number, not '\(id)'") }
            return .node(n)
        case "interaction":
            guard let n = Int(id) else { throw ValidationError("an interaction is a number, not '\(id)'") }
            return .interaction(n)
        case "cluster":
            guard let n = Int(id) else { throw ValidationError("a cluster is a number, not '\(id)'") }
            return .cluster(n)
        case "adapter": return .adapter(id)
        case "expert": return .expert(id)
        default: throw ValidationError("audit takes node, adapter, interaction, cluster or expert, not '\(kind)'")
        }
    }

    func validate() throws {
        _ = try subject()
    }

    func run() throws {
        try reportingErrors {
            for entry in try Audit.trace(subject(), in: location.open(), branch: branch) {
                print("\(entry.sequence)\t\(isoTime(nanos: entry.timeNanos))\t\(entry.type)\t\(terminalSafe(entry.text))")
            }
        }
    }
}
