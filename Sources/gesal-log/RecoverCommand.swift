import ArgumentParser
import CommandLineSupport
import EventLog

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Open the store for writing, repairing what a crash left behind, and report.",
        discussion: """
        Every writer does this when it opens a store; this verb does only that. A torn tail
        (a last record that never finished) is cut back to the last whole record, and the cut
        bytes are kept in the line's quarantine/ folder. A damaged record with whole records
        after it is never cut: recovery refuses and names the file and offset.

        Example:
          gesal-log recover --store .gesal && gesal-log verify --store .gesal
        """)

    @OptionGroup var location: StoreLocation

    func run() throws {
        try reportingErrors {
            let writer = try location.openWriter()
            try writer.close()
            print(writer.recovered.isEmpty ? "nothing to recover" : "recovered \(writer.recovered.count) item(s)")
        }
    }
}
