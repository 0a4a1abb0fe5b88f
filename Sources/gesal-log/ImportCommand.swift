import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append events from a JSON-lines file (the export format) to a branch.",
        discussion: helpText("""
        Creates the store if there is none. Events keep their order and their times; events
        exported from one record are imported as one record again. The file is checked
        entirely before anything is appended, so a bad line changes nothing.

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
            let writer = LogStore.exists(at: store)
                ? try location.openWriter() : try LogWriter.create(at: store)
            for bytes in blobs.values { _ = try writer.putBlob(bytes) }
            var bar = ProgressBar("importing", total: batches.count)
            var imported = 0
            for (i, batch) in batches.enumerated() {
                try writer.append(batch.events, to: branch, timeNanos: batch.time)
                imported += batch.events.count
                bar.update(i + 1)
            }
            bar.finish()
            let head = try writer.store.head(of: branch)
            try writer.close()
            print("imported \(imported) events and \(blobs.count) blobs into \(branch) (head \(head))")
        }
    }
}
