import ArgumentParser
import CommandLineSupport
import Engine
import Foundation

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Reward an answer; when the node's buffer is full, the node learns from it at once.",
        discussion: """
        REWARD is a number, or + (right: +1) or - (wrong: -2), GESAL's rewards. The feedback
        is recorded first; the REINFORCE-SVF update then runs and is recorded with its exact
        result (adapter and optimiser blobs, loss). Undo it with
        `gesal-log rollback --exclude SEQ`.

        Examples:
          gesal feedback 3 +
          gesal feedback 3 -2
          gesal feedback 4 0.5 --source checker
        """)

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The interaction's number (printed by ask).")
    var interaction: Int

    @Argument(help: "+, -, or a number.")
    var reward: String

    @Option(help: "Who gave it: user, checker, ...")
    var source: String = "user"

    static func parseReward(_ text: String) -> Float? {
        switch text {
        case "+": 1
        case "-": -2
        default: Float(text).flatMap { $0.isFinite ? $0 : nil }
        }
    }

    /// What a feedback did, for people: the step's result, or how full the buffer is.
    static func describe(_ outcome: Engine.FeedbackOutcome, in engine: Engine, since start: Date) -> String {
        if outcome.memoryOnly { return "the answer joins its node's rejected answers (this store's negativeWeight is 0: no gradient step)" }
        guard let step = outcome.step else { return "buffered \(outcome.buffered)/\(outcome.bufferSize)" }
        if let rejection = step.rejection { return "node \(step.node)'s update was rejected: \(rejection)" }
        let node = engine.state.nodes[step.node]!
        return "node \(step.node) learned: adapter v\(node.adapterVersion) \(node.adapterBlob!.prefix(12)), "
            + "loss \(String(format: "%.4f", step.loss)), \(Int(Date().timeIntervalSince(start) * 1000)) ms"
    }

    func validate() throws {
        guard Self.parseReward(reward) != nil else { throw ValidationError("REWARD must be +, - or a finite number, not '\(reward)'") }
    }

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine()
            let start = Date()
            let outcome = try opened.feedback(interaction: interaction, reward: Self.parseReward(reward)!, source: source)
            print("feedback recorded (event \(outcome.sequence)); " + Self.describe(outcome, in: opened, since: start))
        }
    }
}
