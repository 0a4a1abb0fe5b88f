import ArgumentParser
import CommandLineSupport
import Engine
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to the store interactively; + or - after an answer gives feedback.",
        discussion: """
        Each line you type is a prompt (recorded like `gesal ask`). A line holding only + or -
        (or a number) rewards the last answer, and the node learns at once with the default
        buffer size. /quit or end of input leaves.

        Example:
          gesal chat --store lab
        """)

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine()
            writeStandardError("chat on \(engine.store) (\(engine.branch)); + / - rates the last answer, /quit leaves\n")
            var last: Int?
            while true {
                writeStandardError("> ")
                guard let line = readLine()?.trimmingCharacters(in: .whitespaces) else { break }
                if line.isEmpty { continue }
                if line == "/quit" { break }
                if let reward = FeedbackCommand.parseReward(line) {
                    guard let interaction = last else {
                        writeStandardError("nothing to rate yet: ask something first\n")
                        continue
                    }
                    let start = Date()
                    let outcome = try opened.feedback(interaction: interaction, reward: reward)
                    writeStandardError(FeedbackCommand.describe(outcome, in: opened, since: start) + "\n")
                    continue
                }
                let answer = try opened.ask(line)
                print(answer.text)
                writeStandardError("[interaction \(answer.interaction) · node \(answer.node)]\n")
                last = answer.interaction
            }
        }
    }
}
