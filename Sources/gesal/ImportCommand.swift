import ArgumentParser
import CommandLineSupport

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring something made elsewhere into the store, as an event.",
        discussion: helpText("""
        Examples:
          gesal import adapter my-lora --node 2
        """),
        subcommands: [ImportAdapterCommand.self])
}
