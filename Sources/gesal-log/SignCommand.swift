import ArgumentParser
import CommandLineSupport
import EventLog

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a branch's history up to its head with an Ed25519 key.",
        discussion: helpText("""
        Appends a HistorySigned event: a signature over the hash of the record holding the
        branch's head. Through the hash chain that hash commits to every earlier byte, so a
        later `gesal-log verify --key PUBLIC` proves that nobody rewrote the history before
        the signed point, even with every checksum and chain link recomputed. Events after it
        are not covered until the next signature: sign again whenever you want a checkpoint.
        The event folds to nothing, so state hashes do not change.

        Examples:
          gesal-log keygen signing.pem
          gesal-log sign --key signing.pem
          gesal-log sign --key signing.pem --branch experiment
          gesal-log verify --key signing.pem.pub
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: ArgumentHelp("The private key (PEM, from `gesal-log keygen` or `openssl genpkey -algorithm ed25519`).", valueName: "FILE"))
    var key: String

    @Option(help: "The branch to sign.")
    var branch = "main"

    func run() throws {
        try reportingErrors {
            let signer = try HistorySigningKey.read(key)
            let writer = try location.openWriter()
            defer { try? writer.close() }
            let (at, signed) = try writer.sign(branch, with: signer)
            print("signed \(branch) through \(signed.sequence) (record hash \(signed.recordHash.prefix(16))…) with key \(signer.publicKey.fingerprint) as event \(at)")
        }
    }
}
