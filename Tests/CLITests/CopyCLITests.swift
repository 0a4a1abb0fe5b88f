import EventLog
import Foundation
import GESAL
import PostgresLog
import Testing
import TestSupport

/// `gesal-log copy` from a folder to PostgreSQL and back: the state hashes it prints are the
/// folder's own replay (computed here, in process, without PostgreSQL), and the round trip
/// gives the folder's records byte for byte.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct CopyCLITests {
    /// A GESAL history without models: SAGE's buffer fixture, one record per interaction, a
    /// branch forked at interaction 3 with interactions of its own, and a blob.
    static func makeStore(at path: String) throws {
        let writer = try LogWriter.create(at: path)
        let stream = try BufferFixture.stream(6)
        var batch: [EventDraft] = [], branched = false
        for (i, event) in stream.events.enumerated() {
            batch.append(try event.draft())
            let next = i + 1 < stream.events.count ? stream.events[i + 1] : nil
            if next == nil || { if case .nodeCreated = next! { return true } else { return false } }() {
                try writer.append(batch, timeNanos: Int64(i))
                batch = []
                if !branched, case .bufferSampleAdded(let added)? = stream.events[..<(i + 1)].last(where: { if case .bufferSampleAdded = $0 { true } else { false } }),
                   added.interaction == 3 {
                    try writer.createBranch("try", at: try writer.store.head(of: "main"))
                    branched = true
                }
            }
        }
        for i in 1...2 { try writer.append(BufferFixture.asked(100 + i).map { try $0.draft() }, to: "try") }
        _ = try writer.putBlob(Array("a blob the copy must carry".utf8))
        try writer.close()
    }

    private func log(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run("gesal-log", arguments)
    }

    @Test func aFolderCopiedToPostgresAndBackKeepsEveryHashAndRecord() throws {
        let scratch = ScratchFolder()
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let folder = scratch.path + "/s"
        try Self.makeStore(at: folder)
        let source = try LogStore(at: folder)
        let expected = try ["main", "try"].map { try Replay.run(source, branch: $0).state.hash.hex }

        let there = try log("copy", "--from", folder, "--to", url)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("state_hash.main=\(expected[0])") && there.stdout.contains("state_hash.try=\(expected[1])"))
        #expect(there.stdout.contains("hashes_equal=true") && there.stdout.contains("blobs=1") && there.stdout.contains("lines=2"))
        #expect(!there.stdout.contains(url) && !there.stderr.contains(url), "the URL's password is never printed")

        let back = try log("copy", "--from", url, "--to", scratch.path + "/back")
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("state_hash.try=\(expected[1])"))
        let returned = try LogStore(at: scratch.path + "/back")
        for line in [1, 2] {
            var original: [[UInt8]] = [], copied: [[UInt8]] = []
            try source.forEachRecord(line: line) { original.append($0.bytes) }
            try returned.forEachRecord(line: line) { copied.append($0.bytes) }
            #expect(!original.isEmpty && copied == original, "line \(line)")
        }
        #expect(try returned.reflog() == source.reflog())
        #expect(StoreVerifier.verify(returned).ok)
    }

    @Test func aDestinationThatHoldsAStoreIsRefusedAndKept() throws {
        let scratch = ScratchFolder()
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        try Self.makeStore(at: scratch.path + "/s")
        let store = try PostgresStore.create(url)
        try store.append([EventDraft(type: "kept", payload: [1])], to: "main", expectedHead: nil)
        let refused = try log("copy", "--from", scratch.path + "/s", "--to", url)
        #expect(refused.status == 1 && refused.stderr.contains("a store already exists"))
        #expect(try store.events().map(\.type) == ["kept"])
        let intoFolder = try log("copy", "--from", url, "--to", scratch.path + "/s")
        #expect(intoFolder.status == 1 && intoFolder.stderr.contains("a store already exists"))
    }
}
