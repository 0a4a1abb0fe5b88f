import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record, the hash chain, the indexes, the blobs and the refs.",
        discussion: helpText("""
        Reads only: nothing on disk changes. Exits 0 when everything holds, 1 otherwise, and
        names the file and byte offset of every problem found.

        With --domain, every branch that holds a GESAL history is also folded from its first
        event, as replay does, and the first event the projection refuses is named: a store
        whose records are intact can still hold a history no engine could have written.

        Examples:
          gesal-log verify --store .gesal && echo intact
          gesal-log verify --domain
        """))

    @OptionGroup var location: StoreLocation

    @Flag(help: "Also fold every GESAL branch and report the first event the projection refuses.")
    var domain = false

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
            let domainProblems = domain ? try DomainCheck.problems(in: store) : []
            for problem in domainProblems { print("problem: \(problem)") }
            if report.ok && domainProblems.isEmpty {
                print("ok: every checksum, hash link, index and blob holds" + (domain ? ", and every GESAL branch replays" : ""))
            } else {
                print("FAILED: \(report.problems.count + domainProblems.count) problem(s)")
                throw ExitCode.failure
            }
        }
    }
}
