import ArgumentParser
import Tensor

@main
struct GESAL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal",
        abstract: "A self-adapting language model whose whole learning history is an event log.",
        discussion: """
        GESAL answers with a real pretrained model on the CPU, learns from your
        feedback while it runs, and records every step in an append-only log you
        can replay, audit, branch and roll back (see gesal-log). This build
        answers (ask), embeds (embed) and checks its set-up (doctor); learning
        from feedback through the log arrives with the engine milestone.

        Examples:
          gesal ask "What is the capital of France?"
          gesal embed "A man eats." --cosine "A man is eating bread."
          gesal doctor
        """,
        subcommands: [AskCommand.self, EmbedCommand.self, DoctorCommand.self])

    /// Makes sure OpenBLAS runs its fast kernels (see `BLASKernels`), then parses the command.
    static func main() {
        BLASKernels.restartWithPreferredKernels()
        Self.main(nil)
    }
}
