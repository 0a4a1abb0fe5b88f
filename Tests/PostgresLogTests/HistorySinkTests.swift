import EventLog
import Foundation
import PostgresLog
import SystemIO
import Testing
import TestSupport

/// Both copy destinations refuse a record that does not continue its line: one that skips a
/// sequence number, and one whose previous-record hash is not the line's last record's.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct HistorySinkTests {
    static let first = StoredRecord(encoding: [EventDraft(type: "e", payload: [1])], firstSequence: 1, timeNanos: 1, previousHash: .zero)
    static let unchained = StoredRecord(encoding: [EventDraft(type: "e", payload: [2])], firstSequence: 2, timeNanos: 2, previousHash: Hash256.of([9]))
    static let skipping = StoredRecord(encoding: [EventDraft(type: "e", payload: [3])], firstSequence: 3, timeNanos: 3, previousHash: first.hash)

    func check(_ sink: some HistorySink) throws {
        try sink.addLine(LineInfo(id: 1, parent: nil, fork: 0, owner: "main"))
        try sink.addRecords([Self.first], line: 1)
        for bad in [Self.unchained, Self.skipping] {
            #expect { try sink.addRecords([bad], line: 1) } throws: { ($0 as? LogError)?.code == .corrupt && "\($0)".contains("does not continue line 1") }
        }
    }

    @Test func aFolderRefusesARecordThatDoesNotContinueItsLine() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-sink")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sink = try FolderHistorySink(creatingAt: folder + "/s")
        try check(sink)
        try sink.writer.close()
        #expect(try LogStore(at: folder + "/s").head(of: "main") == 1, "nothing refused was written")
    }

    @Test func postgresRefusesARecordThatDoesNotContinueItsLine() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let sink = try PostgresHistorySink(creatingAt: url)
        try check(sink)
        #expect(try sink.store.tip(of: 1) == 1, "nothing refused was written")
    }
}
