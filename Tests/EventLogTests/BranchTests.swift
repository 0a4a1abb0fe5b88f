import Foundation
import Testing
@testable import EventLog

@Suite struct BranchTests {
    private func texts(_ store: LogStore, _ branch: String) throws -> [String] {
        try store.events(branch: branch).map { String(decoding: $0.payload, as: UTF8.self) }
    }

    private func event(_ text: String) -> [EventDraft] { [EventDraft(type: "t", payload: Array(text.utf8))] }

    @Test func aBranchSharesItsPastAndKeepsItsOwnFuture() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(segmentBytes: 4096))
        for i in 1...30 { try writer.append(event("m\(i)")) }
        try writer.createBranch("exp", from: "main", at: 12)
        try writer.append(event("e13"), to: "exp")
        try writer.append(event("m31"))
        try writer.append(event("e14"), to: "exp")
        try writer.createBranch("exp2", from: "exp", at: 13)
        try writer.append(event("f14"), to: "exp2")

        let store = writer.store
        #expect(try texts(store, "main") == (1...31).map { "m\($0)" })
        #expect(try texts(store, "exp") == (1...12).map { "m\($0)" } + ["e13", "e14"])
        #expect(try texts(store, "exp2") == (1...12).map { "m\($0)" } + ["e13", "f14"])
        #expect(try store.events(branch: "exp2", from: 12, through: 13).map(\.sequence) == [12, 13])
        // Nothing was copied: each branch's line holds only its own records.
        #expect(try store.line(try store.ref(of: "exp").line).segments.count == 1)
        try writer.close()
        let report = StoreVerifier.verify(try LogStore(at: folder.sub("s")))
        #expect(report.ok, "\(report.problems)")
        #expect(report.lines == 3)
    }

    @Test func resetMovesTheHeadAndUndoMovesItBack() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        for i in 1...10 { try writer.append(event("m\(i)")) }
        try writer.reset("main", to: 4)
        #expect(try writer.store.head(of: "main") == 4)
        try writer.append(event("n5"))  // goes to a new line forked at 4
        #expect(try texts(writer.store, "main") == ["m1", "m2", "m3", "m4", "n5"])

        try writer.undoReset("main")
        #expect(try texts(writer.store, "main") == (1...10).map { "m\($0)" })
        try writer.append(event("m11"))  // back on its own line's tip: appends in place
        #expect(try writer.store.ref(of: "main") == BranchRef(line: 1))
        try writer.undoReset("main")  // undo the undo
        #expect(try texts(writer.store, "main") == ["m1", "m2", "m3", "m4", "n5"])

        let actions = try writer.store.reflog().map(\.action)
        #expect(actions == [.create, .reset, .fork, .undo, .undo])
        try writer.close()
        #expect(StoreVerifier.verify(try LogStore(at: folder.sub("s"))).ok)
    }

    @Test func badBranchRequestsAreRefusedAndChangeNothing() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        for i in 1...3 { try writer.append(event("m\(i)")) }
        try writer.createBranch("exp", at: 2)
        let refs = fileBytes(folder.sub("s") + "/refs.json")
        func code(_ body: () throws -> Void) -> LogError.Code? {
            do { try body(); return nil } catch { return (error as? LogError)?.code }
        }
        #expect(code { try writer.createBranch("exp") } == .branchExists)
        #expect(code { try writer.createBranch("x", at: 4) } == .badSequence)
        #expect(code { try writer.createBranch("bad name!") } == .invalidArgument)
        #expect(code { try writer.createBranch("y", from: "ghost") } == .unknownBranch)
        #expect(code { try writer.reset("main", to: 99) } == .badSequence)
        #expect(code { try writer.reset("ghost", to: 1) } == .unknownBranch)
        #expect(code { try writer.undoReset("exp") } == .invalidArgument)
        #expect(fileBytes(folder.sub("s") + "/refs.json") == refs)
        try writer.close()
    }

    @Test func blobsAreStoredOnceCheckedAndRequired() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let hash = try writer.putBlob(bytes)
        #expect(try writer.putBlob(bytes) == hash)
        try writer.append([EventDraft(type: "AdapterUpdated", payload: [], blobs: [hash])])
        #expect(try writer.store.blobs.get(hash) == bytes)
        #expect(try writer.store.blobs.list().count == 1)
        try writer.close()

        let path = folder.sub("s") + "/blobs/" + hash.hex.prefix(2) + "/" + hash.hex + ".lz4"
        var damaged = fileBytes(path)
        damaged[damaged.count / 2] ^= 0x40
        writeFile(path, damaged)
        let store = try LogStore(at: folder.sub("s"))
        #expect(throws: LogError.self) { _ = try store.blobs.get(hash) }
        #expect(StoreVerifier.verify(store).problems.contains { $0.path == path })
        try FileManager.default.removeItem(atPath: path)
        #expect(StoreVerifier.verify(store).problems.contains { $0.code == .blobMissing })
    }

    @Test func intervalPolicySyncsInTheBackgroundAndOnClose() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .interval(milliseconds: 5)))
        for i in 1...50 { try writer.append(event("i\(i)")) }
        usleep(30_000)  // let the timer fire at least once
        try writer.close()
        #expect(try LogStore(at: folder.sub("s")).head(of: "main") == 50)
        #expect(try LogStore(at: folder.sub("s")).options.durability == .interval(milliseconds: 5))
    }

    @Test func aMissingIndexIsReportedByVerifyAndRebuiltByTheWriter() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none, segmentBytes: 4096))
        for i in 1...200 { try writer.append(event("payload number \(i) with some words")) }
        try writer.close()
        let lines = folder.sub("s") + "/lines/000001/"
        let indexes = try FileManager.default.contentsOfDirectory(atPath: lines).filter { $0.hasSuffix(".idx") }.sorted()
        #expect(indexes.count >= 2)
        try FileManager.default.removeItem(atPath: lines + indexes[0])
        #expect(!StoreVerifier.verify(try LogStore(at: folder.sub("s"))).ok)
        let again = try LogWriter(at: folder.sub("s"))
        #expect(again.recovered.count == 1)
        try again.close()
        #expect(StoreVerifier.verify(try LogStore(at: folder.sub("s"))).ok)
        #expect(try LogStore(at: folder.sub("s")).events(from: 150, through: 151).map(\.sequence) == [150, 151])
    }
}
