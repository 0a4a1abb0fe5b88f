import Foundation
import SystemIO
import Testing
import TestSupport
@testable import EventLog

/// What the power-loss model found: directories made without syncing their parent could take
/// a whole store, or an acknowledged event's blob, with them. Each test records a workload,
/// then loses everything that was not durable when it ended.
@Suite struct PowerLossStoreTests {
    /// The disk after a power loss that keeps nothing unsynced, written to a fresh folder.
    private func afterPowerLoss(_ recorder: WriteRecorder, into folder: String) throws {
        var random = SeededRandom(seed: 1)
        let disk = PowerLoss(root: recorder.root, operations: recorder.operations[...])
        try PowerLoss.materialize(disk.crash(PowerLoss.Fate(keepWrite: 0, tearWrite: 0, keepName: 0, sector: 4096), using: &random), at: folder)
    }

    @Test func aStoreSurvivesAPowerLossRightAfterItIsCreated() throws {
        let dir = TemporaryDirectory()
        let recorder = WriteRecorder(root: dir.sub("w"))
        try FileSystem().createDirectory(dir.sub("w"))
        try LogWriter.create(at: dir.sub("w/store"), syscalls: recorder.syscalls).close()
        try afterPowerLoss(recorder, into: dir.sub("image"))
        #expect(LogStore.exists(at: dir.sub("image/store")))
        #expect(try LogStore(at: dir.sub("image/store")).head(of: "main") == 0)
    }

    @Test func anAcknowledgedEventAndItsBlobSurviveAPowerLoss() throws {
        let dir = TemporaryDirectory()
        let recorder = WriteRecorder(root: dir.sub("w"))
        try FileSystem().createDirectory(dir.sub("w"))
        let writer = try LogWriter.create(at: dir.sub("w/store"), options: StoreOptions(durability: .always, segmentBytes: 4096), syscalls: recorder.syscalls)
        let blob = try writer.putBlob(Array("adapter weights".utf8))
        try writer.append([EventDraft(type: "Uses", payload: [1], blobs: [blob])])
        for n in 0..<20 { try writer.append([EventDraft(type: "Fill", payload: Array(repeating: UInt8(n), count: 500))]) }  // rolls segments
        try afterPowerLoss(recorder, into: dir.sub("image"))  // the writer is still open: as if the power failed now
        let store = try LogStore(at: dir.sub("image/store"))
        #expect(try store.head(of: "main") == 21)
        #expect(try store.blobs.get(blob) == Array("adapter weights".utf8))
        try writer.close()
    }
}
