import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import PostgresLog

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Open the store for writing, repairing what a crash left behind, and report.",
        discussion: helpText("""
        Every writer does this when it opens a store; this verb does only that. A torn tail
        (a last record that never finished) is cut back to the last whole record, and the cut
        bytes are kept in the line's quarantine/ folder. A damaged record with whole records
        after it is never cut: recovery refuses and names the file and offset. So does a line
        that ends before a sequence that a branch, a forked line or the reflog refers to.

        A store whose manifest.json was lost (refs.json and lines/ still there) gets a new one:
        durability always, and a segment size that fits every segment. Nothing else changes.

        Example:
          gesal-log recover --store .gesal && gesal-log verify --store .gesal
        """))

    @OptionGroup var location: StoreLocation

    func run() throws {
        try reportingErrors {
            if PostgresLocation.isURL(location.store) {
                // A transaction commits whole or not at all: there is no torn tail to cut.
                let report = ChainVerifier.verify(try PostgresStore.open(location.store))
                guard report.ok else { throw ValidationError("the store has damage no recovery repairs: \(report.problems.first!) (see `gesal-log verify`)") }
                return print("nothing to recover: PostgreSQL commits whole records or none (\(report.records) records check out)")
            }
            if !LogStore.exists(at: location.store), FileManager.default.fileExists(atPath: location.store + "/refs.json") {
                let options = try LogWriter.rebuildManifest(at: location.store)
                print("rebuilt manifest.json (durability \(options.durability), segment size \(options.segmentBytes) bytes: the originals are recorded nowhere else)")
            }
            let writer = try openLogWriter(at: location.folder(verb: "recover"))
            try writer.close()
            print(writer.recovered.isEmpty ? "nothing to recover" : "recovered \(writer.recovered.count) item(s)")
        }
    }
}
