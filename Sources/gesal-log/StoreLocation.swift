import ArgumentParser
import CommandLineSupport
import EventLog

/// `--store DIR`, shared by every verb.
struct StoreLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store's folder, from the working directory ($GESAL_STORE sets the default).", valueName: "DIR"))
    var store: String = SetupFolder.defaultStore

    /// Opens the store for reading.
    func open() throws -> LogStore {
        try LogStore(at: store)
    }

    /// Opens the store for writing, reporting on standard error what recovery repaired.
    func openWriter() throws -> LogWriter {
        try openLogWriter(at: store)
    }
}
