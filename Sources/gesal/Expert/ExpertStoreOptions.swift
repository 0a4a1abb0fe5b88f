import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

/// `--store` and `--branch` for the expert verbs that only read the log.
struct ExpertStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store's folder ($GESAL_STORE sets the default).", valueName: "DIR"))
    var store: String = SetupFolder.defaultStore

    @Option(help: "The branch to read.")
    var branch = "main"

    func open() throws -> LogStore {
        guard LogStore.exists(at: store) else { throw ValidationError("no GESAL store at \(store): train an expert first (gesal expert train)") }
        return try LogStore(at: store)
    }

    /// The branch's state, replayed (from its latest snapshot).
    func state() throws -> EngineState {
        try Replay.run(open(), branch: branch).state
    }
}
