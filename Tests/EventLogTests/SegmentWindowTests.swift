import Testing
import TestSupport
@testable import EventLog
import SystemIO

/// A segment is read through a reused window of `LineFiles.readChunk` bytes: records that
/// straddle its edge, and records larger than it, must come back whole.
@Suite struct SegmentWindowTests {
    @Test func recordsAcrossTheWindowsEdgesAndLargerThanItReadBack() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none))
        var rng = SeededRandom(seed: 21)
        var written: [EventDraft] = []
        for i in 0..<120 {
            // Random bytes do not compress: about 1.3 MB on disk, across five windows or more.
            let length = i == 60 ? LineFiles.readChunk * 3 + 17 : Int.random(in: 1_000...12_000, using: &rng)
            let batch = [EventDraft(type: "Blob.v1", payload: (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })]
            try writer.append(batch)
            written += batch
        }
        try writer.close()
        let store = try LogStore(at: folder.sub("s"))
        #expect(try store.events().map(\.draft) == written)
        #expect(try store.events(from: 59, through: 62).map(\.draft) == Array(written[58..<62]))
    }

    @Test func aFileThatShrinksUnderTheWindowEndsItInsteadOfWaitingForBytes() throws {
        let folder = TemporaryDirectory()
        let path = folder.sub("f")
        let fs = FileSystem()
        let file = try fs.open(path, .readWrite)
        defer { try? file.close() }
        try file.write([UInt8](repeating: 7, count: 10_000), at: 0)
        var window = try SegmentWindow(file: file, from: 0, chunk: 1_000)
        #expect(window.hasMoreInFile)
        try file.truncate(to: 1_500)
        try window.load(atLeast: 4_000)
        #expect(!window.hasMoreInFile)
        #expect(window.withUnread(\.count) == 1_500)
        window.skip(1_500)
        #expect(!window.hasUnread)
    }
}
