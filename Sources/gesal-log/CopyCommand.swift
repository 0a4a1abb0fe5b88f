import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import GESAL
import PostgresLog

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a store, branches, reflog and blobs included, between a folder and PostgreSQL.",
        discussion: helpText("""
        Either side is a store folder or a postgres:// URL (password from the URL, PGPASSWORD
        or a password file; never printed). The destination must be new: a folder with no
        store, or a database with no store in it (create the database first, for example
        with `createdb`). Records are copied as they are stored, so their hashes, the hash
        chain and any signature stay valid. At the end every line's records are compared by
        hash, and every branch is replayed on both sides: the state hashes must be equal.

        Output is one name=value per line.

        Examples:
          gesal-log copy --from .gesal --to postgres://gesal@db.example/gesal
          gesal-log copy --from postgres://gesal@db.example/gesal --to backup-store
        """))

    @Option(help: ArgumentHelp("The store to copy: a folder or a postgres:// URL.", valueName: "STORE"))
    var from: String

    @Option(help: ArgumentHelp("Where to copy it: a new folder, or a postgres:// URL of a database with no store.", valueName: "STORE"))
    var to: String

    func run() throws {
        try reportingErrors {
            let start = Date()
            let source = try openHistory(from)
            let lines = try source.lines()
            let total = try lines.reduce(0) { sum, line in sum + Int(try source.tip(of: line.id) - line.fork) }
            var bar = ProgressBar("copying", total: total)
            var events = 0, records = 0
            let sink: any HistorySink = PostgresLocation.isURL(to) ? try PostgresHistorySink(creatingAt: to) : try FolderHistorySink(creatingAt: to)
            try copyHistory(from: source, to: sink) { record in
                records += 1
                events += Int(record.lastSequence - record.firstSequence + 1)
                bar.update(events)
            }
            bar.finish()
            if let folder = sink as? FolderHistorySink { try folder.writer.close() }
            let copySeconds = Date().timeIntervalSince(start)
            let copy = try openHistory(to)
            try Self.compareRecords(source, copy, lines: lines)
            print("lines=\(lines.count)")
            print("records=\(records)")
            print("events=\(events)")
            print("blobs=\(try copy.blobHashes().count)")
            print(String(format: "copy_s=%.3f", copySeconds))
            var equal = true
            for branch in try source.branches().keys.sorted() {
                let original = try Self.stateHash(source, branch: branch), copied = try Self.stateHash(copy, branch: branch)
                equal = equal && original == copied
                print("state_hash.\(branch)=\(copied)")
            }
            print("hashes_equal=\(equal)")
            guard equal else { throw ValidationError("the copy's state hashes differ from the source's (see above); the copy at \(PostgresLocation.redacted(to)) is not to be trusted") }
        }
    }

    /// Every line holds the same records, by hash, on both sides.
    static func compareRecords(_ source: some EventHistory, _ copy: some EventHistory, lines: [LineInfo]) throws {
        guard try copy.lines() == lines else { throw ValidationError("the copy's lines differ from the source's") }
        for line in lines {
            var hashes: [Hash256] = []
            try source.forEachRecord(line: line.id) { hashes.append($0.hash) }
            var index = 0
            try copy.forEachRecord(line: line.id) { record in
                guard index < hashes.count, hashes[index] == record.hash else {
                    throw ValidationError("line \(line.id): record \(index + 1) of the copy differs from the source's")
                }
                index += 1
            }
            guard index == hashes.count else { throw ValidationError("line \(line.id): the copy has \(index) records, the source \(hashes.count)") }
        }
    }

    /// The branch's replayed state hash, or why a history of other events has none.
    static func stateHash(_ history: some EventHistory, branch: String) throws -> String {
        do { return try Replay.run(history, branch: branch).state.hash.hex } catch let error as EngineError {
            return "none (\(error.message.prefix(60)))"
        }
    }
}
