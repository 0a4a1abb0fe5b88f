import Foundation
import Testing
@testable import EventLog

/// Stores damaged the way careless hands damage them: a deleted manifest, a segment cut below
/// what a branch refers to, a reset into the middle of a record. Nothing is recreated over
/// them, nothing silently changes meaning, and every refusal says what to do.
@Suite struct HostileStoreTests {
    private func note(_ text: String) -> EventDraft { EventDraft(type: "Note", payload: Array(text.utf8)) }

    /// A store with `main` of 10 one-event records and a branch `exp` forked at 6 with 2 more.
    private func makeStore(_ path: String) throws {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        for i in 1...10 { try writer.append([note("main \(i)")]) }
        try writer.createBranch("exp", from: "main", at: 6)
        try writer.append([note("exp 1")], to: "exp")
        try writer.append([note("exp 2")], to: "exp")
        try writer.close()
    }

    /// Every file of the store and its bytes, to show that a refusal changed nothing.
    private func snapshot(_ path: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isFolder), !isFolder.boolValue {
                files[name] = fileBytes(path + "/" + name)
            }
        }
        return files
    }

    @Test func createRefusesAFolderWhoseManifestWasDeletedAndChangesNothing() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        try makeStore(store)
        try FileManager.default.removeItem(atPath: store + "/manifest.json")
        let before = snapshot(store)
        #expect(!LogStore.exists(at: store))
        do {
            _ = try LogWriter.create(at: store)
            Issue.record("create made a store over one that lost its manifest")
        } catch {
            #expect(error.message.contains("manifest.json is missing") && error.message.contains("gesal-log recover"), "\(error.message)")
        }
        do {
            _ = try LogStore(at: store)
        } catch {
            #expect(error.message.contains("gesal-log recover"), "opening says how to recover: \(error.message)")
        }
        #expect(snapshot(store) == before)
    }

    @Test func aRebuiltManifestRestoresEveryBranchAndTheReflog() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        try makeStore(store)
        let branches = try LogStore(at: store).branches()
        let reflog = try LogStore(at: store).reflog()
        let events = try LogStore(at: store).events(branch: "exp")
        try FileManager.default.removeItem(atPath: store + "/manifest.json")

        let options = try LogWriter.rebuildManifest(at: store)
        #expect(options == StoreOptions())
        let reopened = try LogStore(at: store)
        #expect(try reopened.branches() == branches && reopened.reflog() == reflog && reopened.events(branch: "exp") == events)
        #expect(StoreVerifier.verify(reopened).ok)
        #expect(throws: LogError.self) { try LogWriter.rebuildManifest(at: store) }
        #expect(throws: LogError.self) { try LogWriter.rebuildManifest(at: folder.sub("nothing")) }
    }

    @Test func recoveryRefusesToCutALineBelowWhatABranchForkedAt() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        try makeStore(store)
        // Cut main's segment to half its length: records 6 to 10 go, but line 2 (exp) forked at 6.
        let segment = store + "/lines/000001/" + (try FileManager.default.contentsOfDirectory(atPath: store + "/lines/000001")
            .first { $0.hasSuffix(".seg") })!
        let bytes = fileBytes(segment)
        try Data(bytes[0..<(bytes.count / 2)]).write(to: URL(fileURLWithPath: segment))
        let before = snapshot(store)
        do {
            _ = try LogWriter(at: store)
            Issue.record("recovery cut below a fork")
        } catch {
            #expect(error.code == .corrupt && error.message.contains("refers to sequence 6") && error.message.contains("Refusing"), "\(error.message)")
        }
        #expect(snapshot(store) == before, "a refused recovery quarantines and truncates nothing")
    }

    @Test func aBranchCannotForkInsideARecord() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none))
        try writer.append([note("a"), note("b"), note("c")])
        try writer.append([note("d")])
        do {
            try writer.createBranch("half", from: "main", at: 2)
            Issue.record("a fork inside a record was accepted")
        } catch {
            #expect(error.code == .badSequence && error.message.contains("sequences 1 to 3 were committed together")
                && error.message.contains("fork at 3 or 0"), "\(error.message)")
        }
        #expect(try writer.store.branches()["half"] == nil)
        try writer.createBranch("whole", from: "main", at: 3)
        #expect(try writer.store.head(of: "whole") == 3)
    }

    @Test func resetRefusesASequenceInsideARecord() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none))
        try writer.append([note("a"), note("b"), note("c")])
        try writer.append([note("d")])
        do {
            try writer.reset("main", to: 2)
            Issue.record("a head inside a record was accepted")
        } catch {
            #expect(error.code == .badSequence && error.message.contains("sequences 1 to 3 were committed together"), "\(error.message)")
        }
        #expect(try writer.store.head(of: "main") == 4)
        try writer.reset("main", to: 3)
        #expect(try writer.store.head(of: "main") == 3)
    }

    /// Found by fuzzing: a record whose LZ4 frame is damaged but whose CRC was recomputed to
    /// match (a forger's or a buggy writer's work) passed `verify`. Reading skips the frame's
    /// content checksum (the CRC covers the frame), so here, where only that checksum was
    /// changed, the events read back as written; `verify` is what refuses the record.
    @Test func verifyRefusesARecordThatPassesItsCRCButDoesNotDecompress() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s"), copy = folder.sub("intact")
        try makeStore(store)
        try makeStore(copy)
        let segment = store + "/lines/000001/" + SegmentFormat.fileName(firstSequence: 1)
        var bytes = fileBytes(segment)
        let second = try bytes.withUnsafeBytes { all -> (offset: Int, length: Int) in
            let first = try RecordCodec.parse(all, at: SegmentFormat.headerLength).get()
            let offset = SegmentFormat.headerLength + first.totalLength
            return (offset, try RecordCodec.parse(all, at: offset).get().totalLength)
        }
        bytes[second.offset + second.length - 1] ^= 0xFF  // the frame's content checksum
        let crc = bytes.withUnsafeBytes { RecordCodec.checksum(UnsafeRawBufferPointer(rebasing: $0[second.offset..<(second.offset + second.length)])) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((second.offset + 8)..<(second.offset + 12), with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let report = StoreVerifier.verify(try LogStore(at: store))
        #expect(report.problems.contains { "\($0)".contains("record 2 passes its CRC but its events do not read") }, "\(report.problems)")
        #expect(try LogStore(at: store).events().map(\.payload) == (try LogStore(at: copy).events().map(\.payload)))
    }
}
