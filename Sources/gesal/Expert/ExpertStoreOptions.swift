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

    func open() throws -> LogStore { try openExpertStore(store) }

    /// The branch's state, replayed (from its latest snapshot).
    func state() throws -> EngineState { try replayedState(store: store, branch: branch) }
}

func openExpertStore(_ path: String) throws -> LogStore {
    guard LogStore.exists(at: path) else { throw ValidationError("no GESAL store at \(path): train an expert first (gesal expert train)") }
    return try LogStore(at: path)
}

/// The state of `branch` of the store at `path`, replayed without loading a model: what the
/// expert verbs check a request against before they load one.
func replayedState(store path: String, branch: String) throws -> EngineState {
    try Replay.run(openExpertStore(path), branch: branch).state
}
