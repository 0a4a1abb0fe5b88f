import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL
import Models

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to the store interactively; + or - after an answer gives feedback.",
        discussion: helpText("""
        Each line you type is a prompt (recorded like `gesal ask`). A line holding only + or -
        (or a number from -10 to 10) rewards the last answer, and its node learns at once with
        the default buffer size. Lines starting with / are commands for chat itself and never
        reach the model: /help lists them, /quit (or end of input) leaves.

        Example:
          gesal chat --store lab
        """))

    @OptionGroup var engine: EngineOptions

    static let commands = """
        /help          this list
        /good, /bad    rate the last answer +1 or -2 (the same as typing + or -)
        /rate N        rate the last answer N (from -10 to 10)
        /quit, /exit   leave (so does end of input)
        anything else  a prompt for the model
        """

    /// What a line of chat asks for.
    enum Line: Equatable {
        case prompt(String), rate(Float), help, quit, empty
        case invalid(String)

        init(_ text: String) {
            let line = text.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { self = .empty; return }
            if let reward = FeedbackCommand.parseReward(line) { self = .rate(reward); return }
            guard line.hasPrefix("/") else { self = .prompt(line); return }
            let words = line.split(separator: " ").map(String.init)
            switch words[0] {
            case "/help", "/?": self = .help
            case "/quit", "/exit": self = .quit
            case "/good": self = .rate(1)
            case "/bad": self = .rate(-2)
            case "/rate":
                guard words.count == 2, let reward = FeedbackCommand.parseReward(words[1]) else {
                    self = .invalid("/rate takes one number, like /rate -2")
                    return
                }
                self = .rate(reward)
            default: self = .invalid("\(words[0]) is not a chat command; /help lists them (a prompt cannot start with /)")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine()
            writeStandardError("chat on \(engine.storeShown) (\(engine.branch)); + / - rates the last answer, /help lists commands, /quit leaves\n")
            var last: Int?
            loop: while true {
                writeStandardError("> ")
                guard let text = readLine() else { break }
                switch Line(text) {
                case .empty: continue
                case .quit: break loop
                case .help: writeStandardError(Self.commands + "\n")
                case .invalid(let why): writeStandardError(why + "\n")
                case .rate(let reward):
                    guard let interaction = last else {
                        writeStandardError("nothing to rate yet: ask something first\n")
                        continue
                    }
                    do {
                        let start = Date()
                        let outcome = try opened.feedback(interaction: interaction, reward: reward)
                        writeStandardError(FeedbackCommand.describe(outcome, in: opened, since: start) + "\n")
                    } catch let error as EngineError where error.code == .invalidRequest {
                        writeStandardError("\(error)\n")
                    }
                case .prompt(let prompt):
                    do {
                        let answer = try opened.ask(prompt)
                        print(terminalSafe(answer.text))
                        writeStandardError("[interaction \(answer.interaction) · node \(answer.node)]\n")
                        last = answer.interaction
                    } catch let error as EngineError where error.code == .invalidRequest {
                        writeStandardError("\(error)\n")
                    } catch let error as ModelError {
                        writeStandardError("\(error.message)\n")
                    }
                }
            }
        }
    }
}
