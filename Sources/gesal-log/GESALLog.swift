import ArgumentParser
import CommandLineSupport
import Tensor

@main
struct GESALLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal-log",
        abstract: "Inspect, verify and manage a GESAL event log.",
        discussion: helpText("""
        Everything GESAL learns is an event in an append-only, hash-chained, LZ4-compressed log.
        These verbs work on that log. Every verb takes --store DIR (default ./.gesal).

        Start here (after a few `gesal ask` and `gesal feedback`):
          gesal-log log                   list the events of branch main
          gesal-log replay                rebuild the state; print its hash
          gesal-log replay --reexecute    re-run every learning step, bit for bit
          gesal-log audit node 1          why node 1 is what it is
          gesal-log rollback --exclude 12 a branch without feedback event 12
          gesal-log diff main main-without-12
                                  what that changed
          gesal-log bisect --good 5 --item "How many days are in a week?" --expect 7
                                  find the event that broke an answer
          gesal-log curve --control --every 5
                                  accuracy along the history, as JSON and SVG
          gesal-log reindex               the SQLite read model, for sqlite3
          gesal-log verify                check every checksum, link and index
          gesal-log sign --key K.pem      sign the history so far (`keygen` makes K)
          gesal-log copy --from S --to D  copy a store between a folder and PostgreSQL

        See docs/log-format.md for the on-disk format.
        """),
        subcommands: [
            LogCommand.self, ReplayCommand.self, AuditCommand.self, RollbackCommand.self, DiffCommand.self,
            BisectCommand.self, CurveCommand.self, SnapshotCommand.self, ReindexCommand.self, VerifyCommand.self, StatsCommand.self, BranchCommand.self,
            ResetCommand.self, ReflogCommand.self, ExportCommand.self, ImportCommand.self, RecoverCommand.self, InitCommand.self, TriggerCommand.self,
            ClustersCommand.self, KeygenCommand.self, SignCommand.self, CopyCommand.self,
        ])

    /// The same OpenBLAS kernels as `gesal` (see `BLASKernels`): `replay --reexecute` and
    /// `rollback --exclude` re-run learning steps, and must run them as the store's writer did.
    static func main() {
        BLASKernels.restartWithPreferredKernels()
        Self.main(nil)
    }
}
