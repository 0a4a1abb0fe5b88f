import ArgumentParser
import CommandLineSupport
import EventLog

struct ReflogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reflog",
        abstract: "Show every change of every branch's head.",
        discussion: helpText("""
        Each line: when, which branch, what happened, the head before and after.

        Example:
          gesal-log reflog --branch main --store .gesal
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "Only this branch.")
    var branch: String?

    @Flag(help: "The raw JSON lines.")
    var json = false

    func run() throws {
        try reportingErrors {
            for (number, entry) in try location.open().reflog().enumerated() where branch == nil || entry.branch == branch {
                if json {
                    print(String(decoding: try JSONLine.encode(entry), as: UTF8.self))
                } else {
                    let old = entry.oldHead.map(String.init) ?? "-"
                    print("\(number + 1)\t\(entry.time)\t\(entry.branch)\t\(entry.action.rawValue)\t\(old) -> \(entry.newHead)\t\(entry.message)")
                }
            }
        }
    }
}
