import ArgumentParser
import CommandLineSupport
import GESAL

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write a snapshot of a branch's state, so later replays start from it.",
        discussion: helpText("""
        The snapshot is a blob (the state's canonical encoding, LZ4-compressed, written to a
        temporary file, fsync-ed and renamed), stamped with the sequence and state hash, and
        announced by a SnapshotTaken event.

        Examples:
          gesal-log snapshot
          gesal-log snapshot --branch experiment
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to snapshot.")
    var branch: String = "main"

    func run() throws {
        try reportingErrors {
            let writer = try location.openWriter()
            let replay = try Replay.run(writer.history, branch: branch)
            let taken = try Snapshot.write(replay.state, at: replay.sequence, to: writer, branch: branch)
            try writer.close()
            print("snapshot of \(branch) at sequence \(taken.sequence): state \(taken.stateHash), blob \(taken.blob)")
        }
    }
}
