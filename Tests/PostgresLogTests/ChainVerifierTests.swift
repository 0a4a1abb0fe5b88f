import EventLog
import Foundation
import PostgresLog
import Testing
import TestSupport

/// The backend-neutral verifier on a PostgreSQL store: it passes a clean one and says "no" to
/// a record rewritten with a valid checksum (the next record no longer chains to it), to a
/// flipped byte, and to an event whose blob is gone.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct ChainVerifierTests {
    static func store() throws -> (PostgresStore, String) {
        let url = try PostgresFixture.freshDatabase()
        let store = try PostgresStore.create(url)
        let blob = try store.putBlob(Array("weights".utf8))
        for i in 0..<4 {
            try store.append([EventDraft(type: "e", payload: Array("event \(i)".utf8), blobs: i == 1 ? [blob] : [])], to: "main", expectedHead: nil)
        }
        try store.createBranch("b", from: "main", at: 2)
        try store.append([EventDraft(type: "e", payload: Array("on b".utf8))], to: "b", expectedHead: nil)
        return (store, url)
    }

    @Test func aCleanStorePasses() throws {
        let (store, url) = try Self.store()
        defer { PostgresFixture.drop(url) }
        let report = ChainVerifier.verify(store)
        #expect(report.ok, "\(report.problems)")
        #expect(report.lines == 2 && report.records == 5 && report.events == 5)
    }

    @Test func aRecordRewrittenWithAValidChecksumBreaksTheChain() throws {
        let (store, url) = try Self.store()
        defer { PostgresFixture.drop(url) }
        var original: StoredRecord?
        try store.forEachRecord(line: 1) { if $0.firstSequence == 3 { original = $0 } }
        let forged = StoredRecord(encoding: [EventDraft(type: "e", payload: Array("rewritten".utf8))], firstSequence: 3,
                                  timeNanos: try #require(original).timeNanos, previousHash: original!.previousHash)
        try store.execute("UPDATE gesal_records SET bytes = '\\x\(forged.bytes.map { String(format: "%02x", $0) }.joined())' WHERE line = 1 AND first_sequence = 3")
        let report = ChainVerifier.verify(store)
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("record at 4") && $0.contains("chains to") }, "\(report.problems)")
    }

    @Test func aFlippedByteIsFound() throws {
        let (store, url) = try Self.store()
        defer { PostgresFixture.drop(url) }
        try store.execute("UPDATE gesal_records SET bytes = overlay(bytes placing '\\xff' from 90 for 1) WHERE line = 1 AND first_sequence = 2")
        let report = ChainVerifier.verify(store)
        #expect(report.problems.contains { $0.contains("CRC-32C mismatch") }, "\(report.problems)")
    }

    @Test func aMissingBlobIsFound() throws {
        let (store, url) = try Self.store()
        defer { PostgresFixture.drop(url) }
        try store.execute("DELETE FROM gesal_blobs")
        let report = ChainVerifier.verify(store)
        #expect(report.problems.contains { $0.contains("record at 2") && $0.contains("not stored") }, "\(report.problems)")
    }

    /// Signing on PostgreSQL: the signature holds on the untouched store, and the signed
    /// record rewritten with a valid checksum makes it fail (earlier records are the chain's
    /// part: `ChainVerifier` finds those).
    @Test func aSignatureHoldsUntilARecordUnderItIsRewritten() throws {
        let (store, url) = try Self.store()
        defer { PostgresFixture.drop(url) }
        let key = HistorySigningKey.generate()
        try store.sign("main", with: key)
        #expect(SignatureVerifier.verify(store, key: key.publicKey).problems.isEmpty)
        var original: StoredRecord?
        try store.forEachRecord(line: 1) { if $0.firstSequence == 4 { original = $0 } }
        let forged = StoredRecord(encoding: [EventDraft(type: "e", payload: Array("rewritten".utf8))], firstSequence: 4,
                                  timeNanos: try #require(original).timeNanos, previousHash: original!.previousHash)
        try store.execute("UPDATE gesal_records SET bytes = '\\x\(forged.bytes.map { String(format: "%02x", $0) }.joined())' WHERE line = 1 AND first_sequence = 4")
        let report = SignatureVerifier.verify(store, key: key.publicKey)
        #expect(report.problems.contains { "\($0)".contains("no longer holds") }, "\(report.problems)")
    }
}
