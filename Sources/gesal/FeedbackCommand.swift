import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Reward an answer; when the node's buffer is full, the node learns from it at once.",
        discussion: helpText("""
        REWARD is + (right: +1), - (wrong: -2), or a number from -10 to 10; negative numbers
        work as they are (-2, -0.5). The feedback is recorded first; the REINFORCE-SVF update
        then runs and is recorded with its exact result (adapter and optimiser blobs, loss).
        An update that cannot run (a sequence beyond the store's learning budget, a loss that
        is not finite) is recorded as rejected, with the reason. Undo a feedback with
        `gesal-log rollback --exclude SEQ`.

        --correct says what the right answer was. It is recorded with the feedback, becomes
        the node's known right answer to that prompt, and every later learning step of the
        node trains on it (with the store's correctionWeight; docs/learning.md). A wrong
        answer with a correction sets off a learning step even when the store's
        negativeWeight is 0.

        In a store made with --lora-store, a feedback that gives a buffer cluster enough
        corrected answers sets off its LoRA search (docs/sage.md); each search is printed
        with every candidate's figures and the one kept.

        Examples:
          gesal feedback 3 +
          gesal feedback 3 -2
          gesal feedback 3 - --correct "3"
          gesal feedback 4 0.5 --source checker
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The interaction's number (printed by ask).")
    var interaction: Int

    // Collected from what no option claims, so that "-2" is a reward, not an unknown option.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("+, -, or a number from -10 to 10.", valueName: "reward"))
    var rewards: [String] = []

    var reward: String { givenRewards.first ?? "" }

    /// What was given as the reward; a `--` before it (the usual way to pass "-2") is dropped.
    var givenRewards: [String] { rewards.filter { $0 != "--" } }

    @Option(help: "Who gave it: user, checker, ...")
    var source: String = "user"

    @Option(help: ArgumentHelp("What the right answer was (the node learns it).", valueName: "TEXT"))
    var correct: String?

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
        guard givenRewards.count == 1 else {
            throw ValidationError(givenRewards.isEmpty ? "give a REWARD: +, - or a number"
                : "give one REWARD, not \(givenRewards.map { "'\($0)'" }.joined(separator: " "))")
        }
        guard let value = Self.parseReward(reward) else { throw ValidationError("REWARD must be +, - or a number, not '\(reward)'") }
        try checkOption(Limits.reward, value, "REWARD")
        if let correct {
            do { try checkCorrection(correct, "--correct") } catch { throw ValidationError(error.message) }
        }
    }

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine(create: false)
            let start = Date()
            let progress = ProgressReporter("LoRA search")
            let outcome = try opened.feedback(interaction: interaction, reward: Self.parseReward(reward)!, source: source, correction: correct) {
                progress.update($1, $2)
            }
            progress.finish()
            print("feedback recorded (event \(outcome.sequence)); " + Self.describe(outcome, in: opened, since: start))
            if let trigger = outcome.trigger { print(Audit.describe(.triggerFired(trigger), [:])) }
            for search in outcome.searches { print(Audit.describe(.adapterTrained(search), [:])) }
        }
    }
}
