import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import PostgresLog
import GESAL

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append events from a JSON-lines file (the export format) to a branch.",
        discussion: helpText("""
        Creates the store if there is none. Events keep their order and their times; events
        exported from one record are imported as one record again. The file is checked
        entirely before anything is appended, so a bad line changes nothing.

        When the branch holds a GESAL history, or the file holds GESAL events, every event is
        also folded into the branch's state first, exactly as an append by the engine would be:
        an unknown event type, feedback for an interaction that does not exist, a payload with
        wrong fields, a second StoreCreated or a number out of range refuses the whole import,
        naming the line and the reason. A branch of other events (the log is generic) takes
        them as they are, checked only as records.

        Example:
          gesal-log export --store old --output h.jsonl
          gesal-log import h.jsonl --store new
        """))

    @OptionGroup var location: StoreLocation

    @Argument(help: ArgumentHelp("The JSON-lines file, or - for standard input.", valueName: "FILE"))
    var file: String

    @Option(help: "The branch to append to.")
    var branch: String = "main"

    func run() throws {
        try reportingErrors {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                data = contents
            }
            // Parse everything first: a bad line must leave the store untouched.
            var blobs: [Hash256: [UInt8]] = [:]
            var batches: [(time: Int64?, events: [EventDraft])] = []
            var lines: [Int] = []
            let decoder = JSONDecoder()
            for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 }) {
                let number = index + 1
                let entry: EventLine
                do {
                    entry = try decoder.decode(EventLine.self, from: line)
                } catch {
                    throw ImportError(line: number, reason: "not an export line: \(error)")
                }
                switch entry.kind {
                case .blob:
                    guard let id = entry.id.flatMap({ Hash256(hex: $0) }), let bytes = entry.dataBase64.flatMap({ Data(base64Encoded: $0) }) else {
                        throw ImportError(line: number, reason: "a blob needs a 64-hex-digit \"id\" and \"data_base64\"")
                    }
                    guard Hash256.of(Array(bytes)) == id else { throw ImportError(line: number, reason: "blob data does not hash to its id") }
                    blobs[id] = Array(bytes)
                case .event:
                    let draft = try entry.draft(line: number)
                    lines.append(number)
                    for blob in draft.blobs where blobs[blob] == nil {
                        throw ImportError(line: number, reason: "event refers to blob \(blob.hex), which no earlier line carries")
                    }
                    if let last = batches.last, last.time != nil, last.time == entry.timeNanos {
                        batches[batches.count - 1].events.append(draft)
                    } else {
                        batches.append((entry.timeNanos, [draft]))
                    }
                }
            }
            let store = location.store
            try checkDomain(batches.flatMap(\.events), lines: lines, blobs: blobs)
            let writer = try openHistoryWriter(store)
            for bytes in blobs.values { _ = try writer.putBlob(bytes) }
            var bar = ProgressBar("importing", total: batches.count)
            var imported = 0
            for (i, batch) in batches.enumerated() {
                // Each batch keeps the commit time the file gives it.
                if let folder = writer as? LogWriter {
                    try folder.append(batch.events, to: branch, timeNanos: batch.time)
                } else if let shared = writer as? PostgresStore {
                    try shared.append(batch.events, to: branch, timeNanos: batch.time ?? currentTimeNanos())
                }
                imported += batch.events.count
                bar.update(i + 1)
            }
            bar.finish()
            let head = try writer.history.head(of: branch)
            try writer.close()
            print("imported \(imported) events and \(blobs.count) blobs into \(branch) (head \(head))")
        }
    }

    /// Folds the file's events into the branch's GESAL state, refusing the import at the first
    /// event the engine could not have written. Plain (non-GESAL) branches and files pass.
    func checkDomain(_ drafts: [EventDraft], lines: [Int], blobs: [Hash256: [UInt8]]) throws {
        let existing = try existingHistory(location.store)
        let head = try existing.flatMap { store in try store.branches()[branch] != nil ? try store.head(of: branch) : nil } ?? 0
        let firstType = head >= 1 ? try existing!.events(branch: branch, through: 1).first?.type : nil
        let fileHasDomain = drafts.contains { DomainCheck.isDomainType($0.type) }
        if let firstType, !DomainCheck.isDomainType(firstType) {
            guard !fileHasDomain else {
                throw ValidationError("branch '\(branch)' holds other events (its first is \(firstType)), not a GESAL history: GESAL events cannot join them; import into a new branch or store")
            }
            return
        }
        guard firstType != nil || fileHasDomain else { return }
        var state = head >= 1 ? try Replay.run(existing!, branch: branch).state : EngineState()
        for (index, draft) in drafts.enumerated() {
            let hasBlob = { (hash: Hash256) in blobs[hash] != nil || (try? existing?.blob(hash)) != nil }
            if let reason = DomainCheck.refusal(of: draft, sequence: head + UInt64(index) + 1, into: &state, hasBlob: hasBlob) {
                throw ImportError(line: lines[index], reason: "\(reason); nothing was imported")
            }
        }
    }
}
