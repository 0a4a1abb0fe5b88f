import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Move a branch's head; undoable.",
        discussion: helpText("""
        No event is deleted: the branch simply stops seeing the events after its new head, and
        new events go to a new line forked there. Every reset is written to the reflog, and
        --undo moves the head back (an undo can itself be undone).

        Examples:
          gesal-log reset --to 120 --store .gesal
          gesal-log reset --undo --store .gesal
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to move.")
    var branch: String = "main"

    @Option(help: ArgumentHelp("The new head sequence number.", valueName: "SEQ"))
    var to: UInt64?

    @Flag(help: "Undo the branch's last reset (or undo).")
    var undo = false

    func validate() throws {
        guard (to == nil) != !undo else { throw ValidationError("give exactly one of --to SEQ and --undo") }
    }

    func run() throws {
        try reportingErrors {
            let (before, after) = try moveHead(store: location.store, branch: branch, to: to)
            print("\(branch): head \(before) -> \(after)")
        }
    }
}

/// Moves `branch`'s head to `to`, or undoes its last move when `to` is nil; returns the head
/// before and after. Shared by `reset` and `rollback --to`.
func moveHead(store: String, branch: String, to: UInt64?) throws -> (before: UInt64, after: UInt64) {
    // Head 0 would empty a GESAL branch, and its next ask would silently start a new history
    // with default settings.
    if to == 0, case let log = try openHistory(store), try log.head(of: branch) >= 1,
       let first = try log.events(branch: branch, through: 1).first, DomainCheck.isDomainType(first.type) {
        throw ValidationError("branch '\(branch)' holds a GESAL history: its head cannot go before its StoreCreated (sequence 1); "
            + "start a new store or branch instead")
    }
    let writer = try openExistingHistoryWriter(store)
    let before = try writer.history.head(of: branch)
    if let to { try writer.reset(branch, to: to) } else { try writer.undoReset(branch) }
    let after = try writer.history.head(of: branch)
    try writer.close()
    return (before, after)
}
