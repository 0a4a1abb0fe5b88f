import ArgumentParser
import CommandLineSupport
import EventLog

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record, the hash chain, the indexes, the blobs and the refs.",
        discussion: helpText("""
        Reads only: nothing on disk changes. Exits 0 when everything holds, 1 otherwise, and
        names the file and byte offset of every problem found.

        Example:
          gesal-log verify --store .gesal && echo intact
        """))

    @OptionGroup var location: StoreLocation

    func run() throws {
        try reportingErrors {
            let store = try location.open()
            var bar = ProgressBar("verifying", total: 1)
            var started = false
            let report = StoreVerifier.verify(store) { done, total in
                if !started { bar = ProgressBar("verifying", total: total); started = true }
                bar.update(done)
            }
            bar.finish()
            print("lines=\(report.lines) segments=\(report.segments) records=\(report.records) events=\(report.events) blobs=\(report.blobs) branches=\(report.branches)")
            for problem in report.problems { print("problem: \(problem)") }
            if report.ok {
                print("ok: every checksum, hash link, index and blob holds")
            } else {
                print("FAILED: \(report.problems.count) problem(s)")
                throw ExitCode.failure
            }
        }
    }
}
