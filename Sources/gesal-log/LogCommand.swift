import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List the events of a branch.",
        discussion: helpText("""
        Reads only; a damaged record stops the listing with an error naming its file and offset.

        Examples:
          gesal-log log --store .gesal --from 100 --limit 20
          gesal-log log --branch experiment --json | jq .type
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to list.")
    var branch: String = "main"

    @Option(help: ArgumentHelp("First sequence number to show.", valueName: "SEQ"))
    var from: UInt64 = 1

    @Option(help: ArgumentHelp("Last sequence number to show (default: the head).", valueName: "SEQ"))
    var to: UInt64?

    @Option(help: "Show at most this many events.")
    var limit: Int?

    @Flag(help: "One JSON object per line (the export format).")
    var json = false

    struct Done: Error {}

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            var shown = 0
            if !json { print(pad("SEQ", 8) + "  " + pad("TIME", 24, left: true) + "  " + pad("TYPE", 24, left: true) + "  " + pad("BYTES", 7) + "  PAYLOAD") }
            do {
                try store.forEachEvent(branch: branch, from: from, through: to) { event in
                    if let limit, shown >= limit { throw Done() }
                    shown += 1
                    if json {
                        print(EventLine(event).encoded())
                    } else {
                        print(pad(String(event.sequence), 8) + "  " + pad(isoTime(nanos: event.timeNanos), 24, left: true) + "  "
                              + pad(event.type, 24, left: true) + "  " + pad(String(event.payload.count), 7) + "  " + preview(event))
                    }
                }
            } catch is Done {}
            // A reader cannot tell a torn tail from an append in flight, unless no writer is active.
            if let folder = store as? LogStore, !folder.writerActive(), let torn = try folder.tornTails().first { throw torn }
        }
    }

    private func preview(_ event: Event) -> String {
        let blobs = event.blobs.isEmpty ? "" : " [blobs: " + event.blobs.map { String($0.hex.prefix(12)) }.joined(separator: ", ") + "]"
        // A binary payload shows the JSON it stands for.
        let text = BinaryPayload.isBinary(event.payload) ? BinaryPayload.json(of: event) : String(validating: event.payload, as: UTF8.self)
        guard let text else {
            return "(\(event.payload.count) binary bytes)" + blobs
        }
        let flat = text.replacingOccurrences(of: "\n", with: "\\n")
        return (flat.count > 72 ? String(flat.prefix(71)) + "…" : flat) + blobs
    }
}

/// Pads to a column width: numbers to the right, text to the left.
func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + fill : fill + text
}
