import ArgumentParser
import CommandLineSupport
import Tensor

@main
struct GESAL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal",
        abstract: "A self-adapting language model whose whole learning history is an event log.",
        discussion: helpText("""
        GESAL answers with a real pretrained model on the CPU, learns from your
        feedback while it runs, and records every step in an append-only log you
        can replay, audit, branch and roll back (see gesal-log). The store is
        ./.gesal unless --store says otherwise; it is created on first use.

        Examples:
          gesal ask "What is 12 + 7?"            answer, and record interaction 1
          gesal feedback 1 -                     wrong: the node learns from it now
          gesal ask "What is 12 + 7?"            answered with the node's new adapter
          gesal chat                             the same, interactively
          gesal serve                            the OpenAI-compatible HTTP API
          gesal-log audit node 1                 why the node is what it is
          gesal generate "Hello"                 the plain model, nothing recorded
          gesal doctor                           check the set-up
        """),
        subcommands: [AskCommand.self, FeedbackCommand.self, ChatCommand.self, InitCommand.self, ImportCommand.self,
                      EvalCommand.self, ExpertCommand.self, LearnCommand.self, SealCommand.self, DemoCommand.self, ServeCommand.self, GenerateCommand.self, EmbedCommand.self, DoctorCommand.self])

    /// Makes sure OpenBLAS runs its fast kernels (see `BLASKernels`), then parses the command.
    static func main() async {
        BLASKernels.restartWithPreferredKernels()
        await Self.main(nil)
    }
}
