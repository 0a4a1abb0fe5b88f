import ArgumentParser
import CommandLineSupport
import EventLog

struct BranchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch",
        abstract: "Create and list branches.",
        discussion: helpText("""
        A branch is a name for a history: its parent's events up to a fork point, then its own.
        Creating one copies nothing.
        """),
        subcommands: [Create.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a branch at a sequence number of another branch.",
            discussion: helpText("""
            Example: try an experiment from the state after event 120 of main:
              gesal-log branch create experiment --from 120 --store .gesal
            """))

        @OptionGroup var location: StoreLocation

        @Argument(help: "The new branch's name (letters, digits, '-', '_', '.').")
        var name: String

        @Option(help: ArgumentHelp("The sequence number to fork at (default: the head).", valueName: "SEQ"))
        var from: UInt64?

        @Option(help: "The branch to fork from.")
        var of: String = "main"

        func run() throws {
            try reportingErrors {
                let writer = try location.openWriter()
                try writer.createBranch(name, from: of, at: from)
                let head = try writer.history.head(of: name)
                try writer.close()
                print("created branch \(name) at \(of)@\(head)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List branches with their heads.",
            discussion: "Example:\n  gesal-log branch list --store .gesal")

        @OptionGroup var location: StoreLocation

        func run() throws {
            try reportingErrors {
                let store = try location.open()
                for (name, ref) in try store.branches().sorted(by: { $0.key < $1.key }) {
                    let head = try store.head(of: name)
                    let pinned = ref.head == nil ? "" : " (head set by reset or fork point)"
                    print("\(name)\thead=\(head)\tline=\(ref.line)\(pinned)")
                }
            }
        }
    }
}
