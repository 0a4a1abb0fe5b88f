import ArgumentParser
import CommandLineSupport
import Engine
import Foundation

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a prompt through the store's graph memory, and record it.",
        discussion: helpText("""
        The prompt is embedded (MiniLM), routed to the most similar node (or a new one), and
        answered with that node's adapter: what earlier feedback on similar prompts taught.
        The answer is greedy; if the node was told before that this answer is wrong, GESAL
        samples another. The interaction is recorded in the log; its number is what
        `gesal feedback` takes.

        Examples:
          gesal ask "How many times does the letter r appear in the word strawberry?"
          gesal feedback 1 -          # wrong: reward -2, the node learns at once
          gesal ask --store lab --branch experiment "What is 12 + 7?"
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The prompt.")
    var prompt: String

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine()
            let answer = try opened.ask(prompt)
            print(terminalSafe(answer.text))
            let adapter = answer.adapter.map { "adapter \($0.prefix(12))" } ?? "base model"
            let node = answer.createdNode ? "new node \(answer.node)" : "node \(answer.node) (similarity \(String(format: "%.3f", answer.similarity)))"
            writeStandardError("[interaction \(answer.interaction) · \(node) · \(adapter)]  feedback: gesal feedback \(answer.interaction) +|-\n")
        }
    }
}
