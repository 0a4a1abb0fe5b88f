import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import Glibc
import Models
import SystemIO

struct CrashBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Kill a writer with SIGKILL at random moments and check what recovery keeps.",
        discussion: helpText("""
        Each trial starts a child that appends with policy `always` and reports every
        acknowledged sequence number, kills it with SIGKILL a random delay after its first
        acknowledgement, opens the store (recovery runs) and checks it:
          lost_acked     acknowledged events missing after recovery (must be 0)
          torn_visible   visible events that are not exactly what was appended at their
                         sequence number, or out of order (must be 0)
        The last line is `trials=N lost_acked=L torn_visible=T`.

        Example:
          swift run -c release gesal-bench crash --trials 200
        """))

    @Option(help: "How many kill-and-recover trials.")
    var trials = 200

    @Option(help: "Seed for the kill delays and batch sizes.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Longest delay before the kill, in milliseconds.", valueName: "MS"))
    var maxDelayMs = 60

    func run() throws {
        let root = try FileSystem().makeTemporaryDirectory(prefix: "gesal-crash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var random = RandomSource(seed: seed)

        var lostAcked = 0, tornVisible = 0, acknowledged = 0, recoveredTails = 0, visibleEvents = 0
        var bar = ProgressBar("crash trials", total: trials)
        for trial in 0..<trials {
            let store = root + "/trial\(trial)"
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ["crash-writer", "--store", store, "--seed", String(random.next())]
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = FileHandle.nullDevice
            try child.run()
            // The delay starts at the child's first acknowledgement, not at its start: on a busy
            // machine a child can take longer to start than the longest delay, and a trial that
            // kills it before it wrote anything tests nothing.
            let first = pipe.fileHandleForReading.availableData
            usleep(useconds_t(1000 + random.next() % UInt64(max(1, maxDelayMs) * 1000)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let output = String(decoding: first + pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let lastAcked = output.split(separator: "\n").compactMap { UInt64($0) }.max() ?? 0
            acknowledged += Int(lastAcked)

            // Killed before the store existed: nothing can have been acknowledged.
            guard LogStore.exists(at: store) else {
                if lastAcked > 0 { lostAcked += Int(lastAcked) }
                continue
            }
            let writer = try LogWriter(at: store)
            recoveredTails += writer.recovered.count
            var expected: UInt64 = 1
            try writer.store.forEachEvent { event in
                if event.sequence != expected || event.draft != CrashPayload.event(event.sequence) { tornVisible += 1 }
                expected = event.sequence + 1
            }
            let head = try writer.store.head(of: "main")
            visibleEvents += Int(head)
            if head < lastAcked { lostAcked += Int(lastAcked - head) }
            let report = StoreVerifier.verify(writer.store)
            if !report.ok { tornVisible += report.problems.count }
            try writer.close()
            try? FileManager.default.removeItem(atPath: store)
            bar.update(trial + 1)
        }
        bar.finish()
        print("acked_events=\(acknowledged)")
        print("visible_events=\(visibleEvents)")
        print("recovered_tails=\(recoveredTails)")
        print("trials=\(trials) lost_acked=\(lostAcked) torn_visible=\(tornVisible)")
    }
}
