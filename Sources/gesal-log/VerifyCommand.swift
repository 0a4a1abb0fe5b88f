import ArgumentParser
import CommandLineSupport
import EventLog
import PostgresLog
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
          gesal-log verify --key signing.pem.pub
        """))

    @OptionGroup var location: StoreLocation

    @Flag(help: "Also fold every GESAL branch and report the first event the projection refuses.")
    var domain = false

    @Option(help: ArgumentHelp("Also check every signature by this Ed25519 public key (PEM).", valueName: "FILE"))
    var key: String?

    func run() throws {
        try reportingErrors {
            if PostgresLocation.isURL(location.store) {
                // The chain, records, blobs and branches (`ChainVerifier`); segments and indexes are a folder's.
                let store = try location.open()
                let report = ChainVerifier.verify(store)
                print("lines=\(report.lines) records=\(report.records) events=\(report.events) blobs=\(try store.blobHashes().count) branches=\(try store.branches().count)")
                return try conclude(store, problems: report.problems, checked: "checksum, hash link and blob")
            }
            let store = try location.openFolder(verb: "verify")
            var bar = ProgressBar("verifying", total: 1)
            var started = false
            let report = StoreVerifier.verify(store) { done, total in
                if !started { bar = ProgressBar("verifying", total: total); started = true }
                bar.update(done)
            }
            bar.finish()
            print("lines=\(report.lines) segments=\(report.segments) records=\(report.records) events=\(report.events) blobs=\(report.blobs) branches=\(report.branches)")
            try conclude(store, problems: report.problems.map { "\($0)" }, checked: "checksum, hash link, index and blob")
        }
    }

    /// Prints the store's problems, then checks the domain and the signatures if asked, and
    /// ends with one line: ok, or FAILED and exit status 1.
    private func conclude(_ store: some EventHistory, problems: [String], checked: String) throws {
        for problem in problems { print("problem: \(problem)") }
        let domainProblems = domain ? try DomainCheck.problems(in: store) : []
        for problem in domainProblems { print("problem: \(problem)") }
        let signatures = try key.map { SignatureVerifier.verify(store, key: try HistoryPublicKey.read($0)) }
        printSignatures(signatures)
        let count = problems.count + domainProblems.count + (signatures?.problems.count ?? 0)
        guard count > 0 else {
            return print("ok: every \(checked) holds" + (domain ? ", and every GESAL branch replays" : "")
                + (key == nil ? "" : ", and every signature by the key holds"))
        }
        print("FAILED: \(count) problem(s)")
        throw ExitCode.failure
    }

    /// Each branch's signatures by the key, and what does not hold.
    private func printSignatures(_ signatures: SignatureReport?) {
        for branch in signatures?.branches ?? [] {
            if let through = branch.signedThrough {
                print("signed: \(branch.name) through \(through) of \(branch.head) (\(branch.holding) signature(s) hold)")
            } else {
                print("unsigned: \(branch.name) (head \(branch.head))" + (branch.otherKeys > 0 ? ", \(branch.otherKeys) signature(s) by other keys" : ""))
            }
        }
        for problem in signatures?.problems ?? [] { print("problem: \(problem)") }
    }
}
