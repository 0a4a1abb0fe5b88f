import EventLog
import Foundation
import Testing
import TestSupport

/// `gesal-log keygen`, `sign` and `verify --key` end to end, with OpenSSL as the independent
/// oracle for the key formats and the Ed25519 signatures.
@Suite struct SignCLITests {
    /// Runs `openssl` (Debian's, which scripts/setup.sh installs).
    private func openssl(_ arguments: [String], cwd: String) throws -> CommandResult {
        try CommandRunner.run("/usr/bin/openssl", arguments, cwd: cwd)
    }

    /// A GESAL store (three events) in `folder/s` and an OpenSSL key pair `k.pem`, `k.pub`.
    private func signedStore(in folder: String) throws {
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", folder + "/s"], input: HostileInputCLITests.history).status == 0)
        #expect(try openssl(["genpkey", "-algorithm", "ed25519", "-out", "k.pem"], cwd: folder).status == 0)
        #expect(try openssl(["pkey", "-in", "k.pem", "-pubout", "-out", "k.pub"], cwd: folder).status == 0)
        let signed = try CommandRunner.run("gesal-log", ["sign", "--key", "k.pem", "--store", "s"], cwd: folder)
        #expect(signed.status == 0 && signed.stdout.contains("signed main through 3"), "\(signed.stdout)\(signed.stderr)")
    }

    @Test func openSSLAcceptsTheSignatureSignWroteAndRefusesItOverOtherBytes() throws {
        let scratch = ScratchFolder()
        try signedStore(in: scratch.path)
        let store = try LogStore(at: scratch.path + "/s")
        let event = try #require(try store.events().last)
        let signed = try JSONDecoder().decode(HistorySigned.self, from: Data(event.payload))
        let message = HistorySigned.message(sequence: signed.sequence, recordHash: try store.record(holding: 3, on: "main").hash)
        try #require(FileManager.default.createFile(atPath: scratch.path + "/msg", contents: Data(message)))
        try #require(FileManager.default.createFile(atPath: scratch.path + "/sig", contents: Data(try #require(signed.signatureBytes))))
        let verify = ["pkeyutl", "-verify", "-pubin", "-inkey", "k.pub", "-rawin", "-in", "msg", "-sigfile", "sig"]
        let good = try openssl(verify, cwd: scratch.path)
        #expect(good.status == 0 && good.stdout.contains("Signature Verified Successfully"), "\(good.stdout)\(good.stderr)")
        var other = message
        other[other.count - 1] ^= 1
        try #require(FileManager.default.createFile(atPath: scratch.path + "/msg", contents: Data(other)))
        #expect(try openssl(verify, cwd: scratch.path).status != 0, "the oracle must be able to say no")
    }

    @Test func keygenWritesKeysOpenSSLReads() throws {
        let scratch = ScratchFolder()
        let made = try CommandRunner.run("gesal-log", ["keygen", "mine.pem"], cwd: scratch.path)
        #expect(made.status == 0, "\(made.stderr)")
        let derived = try openssl(["pkey", "-in", "mine.pem", "-pubout"], cwd: scratch.path)
        let written = try String(contentsOfFile: scratch.path + "/mine.pem.pub", encoding: .utf8)
        #expect(derived.status == 0 && derived.stdout == written)
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/mine.pem")[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key is readable by its owner only")
        let again = try CommandRunner.run("gesal-log", ["keygen", "mine.pem"], cwd: scratch.path)
        #expect(again.status != 0 && again.stderr.contains("never overwrites"), "\(again.stderr)")
    }

    @Test func verifyWithTheKeyPassesAndSigningLeavesTheStateHashAsItWas() throws {
        let scratch = ScratchFolder()
        try signedStore(in: scratch.path)
        let verified = try CommandRunner.run("gesal-log", ["verify", "--domain", "--key", "k.pub", "--store", "s"], cwd: scratch.path)
        #expect(verified.status == 0 && verified.stdout.contains("signed: main through 3 of 4"), "\(verified.stdout)")
        let before = try CommandRunner.run("gesal-log", ["replay", "--to", "3", "--store", "s"], cwd: scratch.path).stdout
        let after = try CommandRunner.run("gesal-log", ["replay", "--store", "s"], cwd: scratch.path).stdout
        func hash(_ text: String) -> Substring? { text.split(separator: "\n").first { $0.hasPrefix("state_hash=") } }
        #expect(hash(before) != nil && hash(before) == hash(after))
    }

    @Test func verifyWithTheKeyExitsOneOnARewrittenHistoryAndNamesWhereItBreaks() throws {
        let scratch = ScratchFolder()
        try signedStore(in: scratch.path)
        try HistoryRewriter.rewrite(store: scratch.path + "/s", sequence: 3) { payload in
            Array(String(decoding: payload, as: UTF8.self).replacingOccurrences(of: #""response":"r""#, with: #""response":"x""#).utf8)
        }
        let plain = try CommandRunner.run("gesal-log", ["verify", "--store", "s"], cwd: scratch.path)
        #expect(plain.status == 0, "checksums and links were recomputed, so plain verify passes: \(plain.stdout)")
        let keyed = try CommandRunner.run("gesal-log", ["verify", "--key", "k.pub", "--store", "s"], cwd: scratch.path)
        #expect(keyed.status == 1)
        #expect(keyed.stdout.contains("the signed chain breaks at or before sequence 3"), "\(keyed.stdout)")
    }

    @Test func signRefusesAPublicKeyByName() throws {
        let scratch = ScratchFolder()
        try signedStore(in: scratch.path)
        let refused = try CommandRunner.run("gesal-log", ["sign", "--key", "k.pub", "--store", "s"], cwd: scratch.path)
        #expect(refused.status != 0 && refused.stderr.contains("k.pub") && refused.stderr.contains("not a private key"), "\(refused.stderr)")
    }
}
