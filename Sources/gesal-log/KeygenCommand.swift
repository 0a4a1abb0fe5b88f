import ArgumentParser
import CommandLineSupport
import EventLog
import Glibc
import SystemIO

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair for signing history.",
        discussion: helpText("""
        Writes the private key to FILE (PKCS #8 PEM, readable only by you) and the public key
        to FILE.pub (PEM), the same formats `openssl genpkey -algorithm ed25519` and
        `openssl pkey -pubout` write, so either tool's keys work with the other. Refuses to
        overwrite a file. Keep the private key off the machine that holds the store: whoever
        has it can sign a rewritten history.

        Examples:
          gesal-log keygen ~/.gesal-signing.pem
          gesal-log sign --key ~/.gesal-signing.pem
          gesal-log verify --key ~/.gesal-signing.pem.pub
        """))

    @Argument(help: ArgumentHelp("Where to write the private key; the public key goes to FILE.pub.", valueName: "FILE"))
    var file: String

    func run() throws {
        try reportingErrors {
            let fs = FileSystem()
            let publicFile = file + ".pub"
            for path in [file, publicFile] where fs.exists(path) {
                throw ValidationError("\(path) exists; keygen never overwrites a key (choose another name)")
            }
            let key = HistorySigningKey.generate()
            try write(key.pem, to: file, mode: 0o600, fs: fs)
            try write(key.publicKey.pem, to: publicFile, mode: 0o644, fs: fs)
            print("private key: \(file)")
            print("public key:  \(publicFile) (fingerprint \(key.publicKey.fingerprint))")
        }
    }

    private func write(_ text: String, to path: String, mode: mode_t, fs: FileSystem) throws {
        let handle = try fs.open(path, .createNew, mode: mode)
        do {
            try handle.write(Array(text.utf8), at: 0)
            try handle.sync()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
    }
}
