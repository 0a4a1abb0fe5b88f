import ArgumentParser
import CommandLineSupport
import GESAL

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two branches: where they part and how their states differ.",
        discussion: helpText("""
        Examples:
          gesal-log diff main main-without-41
        """))

    @OptionGroup var location: StoreLocation

    @Argument(help: "The first branch.")
    var first: String

    @Argument(help: "The second branch.")
    var second: String

    func run() throws {
        try reportingErrors {
            let diff = try BranchDiff.between(first, second, in: location.open())
            print("common_prefix=\(diff.commonPrefix)")
            print("\(first)_state_hash=\(diff.hashes.0)")
            print("\(second)_state_hash=\(diff.hashes.1)")
            print(diff.lines.isEmpty ? "the states are equal" : terminalSafe(diff.lines.joined(separator: "\n")))
        }
    }
}
