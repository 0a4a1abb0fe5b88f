import ArgumentParser
import CommandLineSupport

struct ExpertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expert",
        abstract: "Transformer²'s library of SVF experts: train, mix, promote, list, show and retire them.",
        discussion: helpText("""
        An expert is a set of SVF vectors (scales of the MLP matrices' singular values)
        trained by REINFORCE on one task, kept under a name in the store's log with what it
        learned from, its settings and its validation curve (docs/transformer2.md). A task's
        items are split three ways by a seeded hash: the expert trains on 60%, keeps the
        checkpoint that does best on 20%, and the other 20% (the test part) is only ever
        scored: `gesal eval --task T --split test --expert NAME`.

        Examples:
          gesal expert train adder --task arithmetic
          gesal expert train counter --task letters --steps 60 --objective reinforce
          gesal expert adapt minus --task subtraction --shots 10
          gesal expert promote --node 3 --name my-node
          gesal expert list
          gesal expert show adder
          gesal expert retire adder --reason "replaced by adder-2"
          gesal-log audit expert adder
        """),
        subcommands: [ExpertTrainCommand.self, ExpertAdaptCommand.self, ExpertPromoteCommand.self, ExpertListCommand.self, ExpertShowCommand.self, ExpertRetireCommand.self])
}
