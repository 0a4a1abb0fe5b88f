import ArgumentParser
import CommandLineSupport
import EventLog
import PostgresLog

/// `--store DIR|URL`, shared by every verb.
struct StoreLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store: a folder, from the working directory, or a postgres:// URL ($GESAL_STORE sets the default).", valueName: "STORE"))
    var store: String = SetupFolder.defaultStore

    /// `--store` fit to print: a URL's password replaced by `***`.
    var storeShown: String { PostgresLocation.redacted(store) }

    /// Opens the store for reading, whichever backend holds it.
    func open() throws -> any EventHistory {
        try openHistory(store)
    }

    /// Opens the store for writing, reporting on standard error what recovery repaired.
    func openWriter() throws -> any HistoryWriter {
        try openExistingHistoryWriter(store)
    }

    /// The store's folder, for verbs that work on the files themselves; a URL is refused by
    /// name, with the way round it.
    func openFolder(verb: String) throws -> LogStore {
        try LogStore(at: folder(verb: verb))
    }

    /// `--store` when it is a folder; a URL is refused for `verb`, which works on files.
    func folder(verb: String) throws -> String {
        guard !PostgresLocation.isURL(store) else {
            throw ValidationError("`gesal-log \(verb)` works on a store folder, not on PostgreSQL yet; copy the store to a folder first (`gesal-log copy --from URL --to DIR`)")
        }
        return store
    }
}
