import ArgumentParser
import CommandLineSupport
import EventLog

/// `--store DIR`, shared by every verb.
struct StoreLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store's folder.", valueName: "DIR"))
    var store: String = ".gesal"

    /// Opens the store for reading.
    func open() throws -> LogStore {
        try LogStore(at: store)
    }

    /// Opens the store for writing, reporting on standard error what recovery repaired.
    func openWriter() throws -> LogWriter {
        let writer = try LogWriter(at: store)
        for action in writer.recovered { writeStandardError("recovered: \(action)\n") }
        return writer
    }
}

/// Runs a verb's body, turning the log's errors into one clear line on standard error and
/// exit status 1 (instead of a stack of Swift error text).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as LogError {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    } catch let error as ImportError {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    }
}
