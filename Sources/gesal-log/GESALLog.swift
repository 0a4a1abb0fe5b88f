import ArgumentParser

@main
struct GESALLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal-log",
        abstract: "Inspect, verify and manage a GESAL event log.",
        discussion: """
        Everything GESAL learns is an event in an append-only, hash-chained, LZ4-compressed log.
        These verbs work on that log directly. Every verb takes --store DIR (default ./.gesal).

        Start here:
          gesal-log init --store demo          create an empty store
          gesal-log import events.jsonl --store demo
          gesal-log log --store demo           list the events of branch main
          gesal-log verify --store demo        check every checksum, the hash chain and the index

        See docs/log-format.md for the on-disk format.
        """,
        subcommands: [
            InitCommand.self, LogCommand.self, VerifyCommand.self, StatsCommand.self, BranchCommand.self,
            ResetCommand.self, ReflogCommand.self, ExportCommand.self, ImportCommand.self, RecoverCommand.self,
        ])
}
