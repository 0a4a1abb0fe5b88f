import ArgumentParser
import CommandLineSupport
import EventLog
import PostgresLog

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty store with one branch, main.",
        discussion: helpText("""
        The durability policy says when an append is acknowledged:
          always       fdatasync before each batch is acknowledged (default)
          interval:MS  fdatasync every MS ms (a crash loses at most MS ms)
          none         never fdatasync (benchmarks, scratch stores)

        Example:
          gesal-log init --store .gesal --durability interval:50
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: ArgumentHelp("always, interval:MS or none.", valueName: "POLICY"))
    var durability: String = "always"

    @Option(help: ArgumentHelp("Seal a segment and start the next at this size.", valueName: "MIB"))
    var segmentMib: Int = 64

    func run() throws {
        try reportingErrors {
            guard let policy = DurabilityPolicy(parsing: durability) else {
                throw ValidationError("unknown durability policy '\(durability)': use always, interval:MS or none")
            }
            if PostgresLocation.isURL(location.store) {
                // Durability is PostgreSQL's commit, and there are no segments: the options are a folder's.
                try PostgresStore.create(location.store).close()
                return print("created store \(location.storeShown) (PostgreSQL: durable at each commit)")
            }
            let writer = try LogWriter.create(at: location.store, options: StoreOptions(durability: policy, segmentBytes: segmentMib << 20))
            try writer.close()
            print("created store \(location.store) (durability \(policy), segments of \(segmentMib) MiB)")
        }
    }
}
