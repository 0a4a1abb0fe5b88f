import Foundation
import Glibc
import SystemIO
import Testing

/// The power-loss model: what is synced survives any fate, what is not may go, names need
/// their directory synced, and torn writes tear at sector boundaries.
@Suite struct PowerLossTests {
    private struct Fixed: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    private static let loseAll = PowerLoss.Fate(keepWrite: 0, tearWrite: 0, keepName: 0, sector: 512)
    private static let keepAll = PowerLoss.Fate(keepWrite: 1, tearWrite: 0, keepName: 1, sector: 512)
    private let root = "/r"

    private func image(_ operations: [WriteOperation], _ fate: PowerLoss.Fate, seed: UInt64 = 1) -> [String: PowerLoss.Entry] {
        var random = Fixed(state: seed)
        return PowerLoss(root: root, operations: operations[...]).crash(fate, using: &random)
    }

    private let bytes = Array("durable".utf8)

    @Test func aSyncedWriteInASyncedDirectorySurvivesEvenWhenAllElseIsLost() {
        let operations: [WriteOperation] = [.create(path: "/r/f", inode: 1, directory: false), .write(inode: 1, offset: 0, bytes: bytes),
                                            .sync(inode: 1), .sync(inode: 0)]
        #expect(image(operations, Self.loseAll)["f"] == .file(bytes))
    }

    @Test func anUnsyncedWriteIsLostOrKeptAsTheFateSays() {
        let operations: [WriteOperation] = [.create(path: "/r/f", inode: 1, directory: false), .sync(inode: 0), .write(inode: 1, offset: 0, bytes: bytes)]
        #expect(image(operations, Self.loseAll)["f"] == .file([]))
        #expect(image(operations, Self.keepAll)["f"] == .file(bytes))
    }

    /// `fsync` of a file does not make its name durable: only its directory's `fsync` does.
    @Test func aFileWhoseDirectoryWasNotSyncedCanVanishWithItsSyncedData() {
        let operations: [WriteOperation] = [.create(path: "/r/f", inode: 1, directory: false), .write(inode: 1, offset: 0, bytes: bytes), .sync(inode: 1)]
        #expect(image(operations, Self.loseAll)["f"] == nil)
        #expect(image(operations, Self.keepAll)["f"] == .file(bytes))
    }

    @Test func aFileInADirectoryThatVanishedVanishesToo() {
        let operations: [WriteOperation] = [.create(path: "/r/d", inode: 1, directory: true), .create(path: "/r/d/f", inode: 2, directory: false),
                                            .write(inode: 2, offset: 0, bytes: bytes), .sync(inode: 2), .sync(inode: 1)]
        #expect(image(operations, Self.loseAll) == ["": .directory])
    }

    @Test func anUnsyncedRenameLeavesTheOldNamesOrMovesThem() {
        let operations: [WriteOperation] = [.create(path: "/r/tmp", inode: 1, directory: false), .write(inode: 1, offset: 0, bytes: bytes), .sync(inode: 1),
                                            .sync(inode: 0), .rename(from: "/r/tmp", to: "/r/final")]
        #expect(image(operations, Self.loseAll) == ["": .directory, "tmp": .file(bytes)])
        #expect(image(operations, Self.keepAll) == ["": .directory, "final": .file(bytes)])
    }

    /// Sectors are aligned in the file, not in the write: a write at offset 500 of 1100 bytes
    /// touches sectors 0, 1, 2 and 3 of 512 bytes, in pieces of 12, 512, 512 and 64 bytes.
    @Test func aWriteIsCutAtTheFilesSectorBoundaries() {
        #expect(PowerLoss.sectorPieces(offset: 500, count: 1100, size: 512) == [0..<12, 12..<524, 524..<1036, 1036..<1100])
        #expect(PowerLoss.sectorPieces(offset: 0, count: 4096, size: 4096) == [0..<4096])
    }

    /// Every image of a torn 3-sector write over synced zeros holds, in each sector, either the
    /// new bytes or the old ones, never a mix within a sector; over many draws, both occur.
    @Test func aTornWriteKeepsWholeSectorsOnly() {
        let old = [UInt8](repeating: 0, count: 1536), new = [UInt8](repeating: 7, count: 1536)
        let operations: [WriteOperation] = [.create(path: "/r/f", inode: 1, directory: false), .write(inode: 1, offset: 0, bytes: old), .sync(inode: 1),
                                            .sync(inode: 0), .write(inode: 1, offset: 0, bytes: new)]
        var seen: Set<[UInt8]> = []
        for seed in 1...64 as ClosedRange<UInt64> {
            guard case .file(let content)? = image(operations, PowerLoss.Fate(keepWrite: 0, tearWrite: 1, keepName: 0, sector: 512), seed: seed)["f"] else {
                Issue.record("the synced file is gone")
                return
            }
            let sectors = stride(from: 0, to: 1536, by: 512).map { Set(content[$0..<($0 + 512)]) }
            #expect(sectors.allSatisfy { $0 == [0] || $0 == [7] })
            seen.insert(sectors.map { $0.first! })
        }
        #expect(seen.count > 2, "torn writes keep some sectors and lose others: \(seen)")
    }

    /// The recorder sees what the kernel was asked, and names files by inode through renames.
    @Test func theRecorderRecordsWritesSyncsAndRenamesUnderItsRoot() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-power")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let recorder = WriteRecorder(root: folder)
        let fs = FileSystem(syscalls: recorder.syscalls)
        try fs.writeAtomically(folder + "/a", bytes)
        let operations = recorder.operations
        guard case .create(let temporary, 1, false)? = operations.first else {
            Issue.record("\(operations)")
            return
        }
        #expect(operations.dropFirst() == [.write(inode: 1, offset: 0, bytes: bytes), .sync(inode: 1), .rename(from: temporary, to: folder + "/a"), .sync(inode: 0)])
        var random = Fixed(state: 3)
        let disk = PowerLoss(root: folder, operations: operations[...]).crash(Self.loseAll, using: &random)
        #expect(disk["a"] == .file(bytes), "writeAtomically with durable is durable")
        try PowerLoss.materialize(disk, at: folder + "-image")
        defer { try? FileManager.default.removeItem(atPath: folder + "-image") }
        #expect(try fs.read(folder + "-image/a") == bytes)
    }
}
