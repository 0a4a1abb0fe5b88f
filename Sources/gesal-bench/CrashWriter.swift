import ArgumentParser
import EventLog
import Glibc
import Models

/// The child process of `gesal-bench crash`: appends batches to a store with policy `always`
/// and, after each append returns, writes the last acknowledged sequence number to standard
/// output with one `write(2)` (atomic on a pipe). It runs until it is killed.
struct CrashWriter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer",
        abstract: "Child process of `crash`: append until killed, reporting acknowledgements.",
        shouldDisplay: false)

    @Option var store: String
    @Option var seed: UInt64 = 1

    func run() throws {
        let writer = try LogWriter.create(at: store, options: StoreOptions(durability: .always, segmentBytes: 64 << 10))
        var next: UInt64 = 1
        var random = RandomSource(seed: seed)
        while true {
            let count = Int(random.next() % 8) + 1
            let range = try writer.append((0..<UInt64(count)).map { CrashPayload.event(next + $0) })
            next = range.upperBound + 1
            var ack = Array("\(range.upperBound)\n".utf8)
            _ = ack.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
        }
    }
}

/// What the crash child writes at each sequence number, so the parent can check every event.
enum CrashPayload {
    static func event(_ sequence: UInt64) -> EventDraft {
        let length = Int(sequence % 300) + 1
        let text = String(repeating: "crash-\(sequence)-", count: length / 8 + 1)
        return EventDraft(type: "Crash", payload: Array(text.utf8.prefix(length)))
    }
}
