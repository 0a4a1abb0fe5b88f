import Foundation
import Testing
@testable import EventLog
import TestSupport

/// `gesal-log sign` and `verify --key`: a signature must hold on the history it signed and
/// must fail on any rewrite before the signed point, even one that recomputes every CRC and
/// chain link (which plain `verify` cannot see).
@Suite struct HistorySignatureTests {
    private let key = HistorySigningKey.generate()

    private func note(_ n: Int) -> EventDraft { EventDraft(type: "Note", payload: Array("note \(n)".utf8)) }

    /// A store with `count` notes, one record each, signed after event `signAfter` when given.
    private func makeStore(_ path: String, count: Int, signAfter: [Int] = []) throws {
        let writer = try LogWriter.create(at: path)
        for n in 1...count {
            try writer.append([note(n)])
            if signAfter.contains(n) { try writer.sign("main", with: key) }
        }
        try writer.close()
    }

    private func verify(_ path: String, with key: HistoryPublicKey? = nil) throws -> SignatureReport {
        SignatureVerifier.verify(try LogStore(at: path), key: key ?? self.key.publicKey)
    }

    @Test func aSignedHistoryHolds() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 5, signAfter: [3])
        let report = try verify(dir.sub("s"))
        #expect(report.ok, "\(report.problems)")
        #expect(report.branches == [SignatureReport.Branch(name: "main", head: 6, signedThrough: 3, holding: 1, otherKeys: 0)])
    }

    /// The forger's own check: rewriting nothing must give back the bytes it read, so a failing
    /// signature below is caused by the change and not by the rewriter.
    @Test func theRewriterChangesNothingWhenThePayloadIsKept() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 5, signAfter: [3])
        let segment = HistoryRewriter.onlySegment(of: dir.sub("s"))
        let before = fileBytes(segment)
        try HistoryRewriter.rewrite(store: dir.sub("s"), sequence: 2) { $0 }
        let after = fileBytes(segment)
        #expect(after.count > 40 && after == Array(before.prefix(after.count)))
        #expect(try verify(dir.sub("s")).ok)
    }

    @Test func aRewriteWithARecomputedChainPassesPlainVerifyButNotTheSignature() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 5, signAfter: [4])
        try HistoryRewriter.rewrite(store: dir.sub("s"), sequence: 2) { _ in Array("note 7".utf8) }
        let store = try LogStore(at: dir.sub("s"))
        #expect(try store.events().map { String(decoding: $0.payload, as: UTF8.self) }.prefix(3) == ["note 1", "note 7", "note 3"])
        #expect(StoreVerifier.verify(store).ok, "the rewrite must be invisible to checksums and links, or this test proves nothing")
        let report = try verify(dir.sub("s"))
        #expect(report.problems.count == 1)
        let message = report.problems.first?.message ?? ""
        #expect(message.contains("breaks at or before sequence 4"), "\(message)")
        #expect(message.contains("the signature in event 5"), "\(message)")
        #expect(message.contains("1...4"), "\(message)")
        #expect(report.branches.first?.signedThrough == nil)
    }

    @Test func anEarlierSignatureThatHoldsBoundsWhereTheRewriteLies() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 8, signAfter: [2, 6])  // signatures are events 3 and 8
        try HistoryRewriter.rewrite(store: dir.sub("s"), sequence: 5) { _ in Array("forged".utf8) }
        let report = try verify(dir.sub("s"))
        #expect(report.branches.first?.signedThrough == 2)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.message.contains("an event in 3...7 was rewritten") == true, "\(report.problems)")
    }

    /// What a signature does not promise: events after it are not covered until the next one.
    @Test func aRewriteAfterTheLastSignatureIsNotCoveredAndTheReportSaysHowFarItReaches() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 5, signAfter: [2])
        try HistoryRewriter.rewrite(store: dir.sub("s"), sequence: 5) { _ in Array("forged".utf8) }
        let report = try verify(dir.sub("s"))
        #expect(report.ok)
        #expect(report.branches.first?.signedThrough == 2 && report.branches.first?.head == 6)
    }

    @Test func aStoreSignedByAnotherKeyFails() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 3, signAfter: [3])
        let report = try verify(dir.sub("s"), with: HistorySigningKey.generate().publicKey)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.message.contains("no event on any branch is signed by key") == true)
        #expect(report.branches.first?.otherKeys == 1)
    }

    /// Replaying a valid signature event onto another history: it signed other bytes.
    @Test func aSignatureCopiedOntoAnotherHistoryDoesNotHold() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("a"), count: 3, signAfter: [3])
        let copied = try LogStore(at: dir.sub("a")).events().last!
        let writer = try LogWriter.create(at: dir.sub("b"))
        for n in [1, 2, 9] { try writer.append([note(n)]) }
        try writer.append([copied.draft])
        try writer.close()
        let report = try verify(dir.sub("b"))
        #expect(report.problems.first?.message.contains("breaks at or before sequence 3") == true, "\(report.problems)")
    }

    @Test func aBranchCarriesTheSignaturesBeforeItsFork() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.sub("s"), count: 3, signAfter: [3])
        let writer = try LogWriter(at: dir.sub("s"))
        try writer.createBranch("b", from: "main")
        try writer.append([note(10)], to: "b")
        try writer.sign("b", with: key)
        try writer.close()
        let report = try verify(dir.sub("s"))
        #expect(report.ok, "\(report.problems)")
        #expect(report.branches.map(\.signedThrough) == [5, 3])
        #expect(report.branches.map(\.name) == ["b", "main"])
    }

    @Test func signingAnEmptyBranchIsRefused() throws {
        let dir = TemporaryDirectory()
        let writer = try LogWriter.create(at: dir.sub("s"))
        defer { try? writer.close() }
        #expect(throws: LogError.self) { try writer.sign("main", with: key) }
    }

    @Test func keysRoundTripThroughPEM() throws {
        let dir = TemporaryDirectory()
        writeFile(dir.sub("k.pem"), Array(key.pem.utf8))
        writeFile(dir.sub("k.pub"), Array(key.publicKey.pem.utf8))
        #expect(try HistorySigningKey.read(dir.sub("k.pem")).raw == key.raw)
        #expect(try HistoryPublicKey.read(dir.sub("k.pub")) == key.publicKey)
        #expect(try HistoryPublicKey.read(dir.sub("k.pem")) == key.publicKey, "a private key file gives its public half")
    }

    @Test(arguments: [
        ("hello", "no '-----BEGIN"),
        ("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n", "has no END line"),
        ("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", "not valid base64"),
        ("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIE\n-----END PRIVATE KEY-----\n", "not an Ed25519 private key (15 DER bytes"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a private key"),
    ])
    func aFileThatIsNotASigningKeyIsRefusedByName(text: String, reason: String) throws {
        let dir = TemporaryDirectory()
        writeFile(dir.sub("k"), Array(text.utf8))
        do {
            _ = try HistorySigningKey.read(dir.sub("k"))
            Issue.record("read a key from \(text)")
        } catch {
            #expect(error.message.contains(reason), "\(error)")
            #expect(error.path == dir.sub("k"))
        }
    }
}
