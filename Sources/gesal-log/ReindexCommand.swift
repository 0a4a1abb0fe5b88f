import ArgumentParser
import CommandLineSupport
import PostgresLog
import ReadModel

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the SQLite read model of a branch from the log.",
        discussion: helpText("""
        The read model (STORE/readmodel.sqlite by default) holds tables for events,
        interactions, feedback, nodes, edges, adapters and lineage; its schema comes from
        migrations/, applied in order and recorded. It is disposable: the log is the truth,
        and this rebuilds it in one transaction. docs/read-model.md has queries to start with.

        Examples:
          gesal-log reindex
          sqlite3 .gesal/readmodel.sqlite \\
            'SELECT id, prompts, adapter_version FROM nodes'
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to index.")
    var branch: String = "main"

    @Option(help: ArgumentHelp("The SQLite file (default: STORE/readmodel.sqlite; required for a postgres:// store).", valueName: "PATH"))
    var database: String?

    func run() throws {
        try reportingErrors {
            let shared = PostgresLocation.isURL(location.store)
            guard database != nil || !shared else { throw ValidationError("a PostgreSQL store has no folder for the read model: give --database FILE") }
            let store = try location.open()
            let path = database ?? location.store + "/readmodel.sqlite"
            let db = try SQLiteDatabase(path: path)
            let progress = ProgressReporter("indexing")
            let counts = try ReadModelIndex.rebuild(db, from: store, branch: branch) { progress.update($0, $1) }
            progress.finish()
            print("\(path): \(counts.events) events, \(counts.interactions) interactions, \(counts.feedback) feedback, "
                + "\(counts.nodes) nodes, \(counts.edges) edges, \(counts.adapters) learning steps"
                + (counts.triggers > 0 ? ", \(counts.triggers) trigger judgements" : "")
                + (counts.bufferSamples > 0 ? ", \(counts.bufferSamples) buffered answers, \(counts.clusters) clusters formed" : "")
                + (counts.searches > 0 ? ", \(counts.searches) LoRA searches" : ""))
        }
    }
}
