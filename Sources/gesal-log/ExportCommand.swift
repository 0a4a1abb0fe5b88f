import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a branch's events as JSON lines, or a merged model as GGUF.",
        discussion: helpText("""
        Examples:
          gesal-log export --store .gesal --output history.jsonl      (events, the default)
          gesal-log export model --store .gesal --node 1 --type f16 --output merged.gguf
          gesal-log export adapter c984b0c3 --store .gesal --output lora   (PEFT)
        """),
        subcommands: [ExportEventsCommand.self, ExportModelCommand.self, ExportAdapterCommand.self],
        defaultSubcommand: ExportEventsCommand.self)
}

struct ExportEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Write a branch's events (and the blobs they use) as JSON lines.",
        discussion: helpText("""
        One object per line. Events: {"kind":"event","seq":…,"time_ns":…,"type":…,"payload":…}
        (binary payloads as "payload_base64"); each blob appears once, as
        {"kind":"blob","id":…,"data_base64":…}, before the first event that refers to it.
        `gesal-log import` reads this back byte for byte.

        Example:
          gesal-log export --store .gesal --output history.jsonl
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to export.")
    var branch: String = "main"

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "FILE"))
    var output: String?

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            var text = ""
            var written = Set<Hash256>()
            var out: FileHandle = .standardOutput
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw ValidationError("cannot create \(output)")
                }
                out = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            }
            func flush() throws {
                try write(Data(text.utf8), to: out)
                text = ""
            }
            var count = 0
            try store.forEachEvent(branch: branch) { event in
                for blob in event.blobs where written.insert(blob).inserted {
                    text += EventLine(blob: blob, bytes: try store.blob(blob)).encoded() + "\n"
                }
                text += EventLine(event).encoded() + "\n"
                count += 1
                if text.utf8.count > 1 << 20 { try flush() }
            }
            try flush()
            if output != nil {
                try out.close()
                print("exported \(count) events and \(written.count) blobs of \(branch) to \(output!)")
            }
        }
    }
}
