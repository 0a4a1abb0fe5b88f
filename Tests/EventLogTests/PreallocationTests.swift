import Foundation
import Testing
@testable import EventLog

@Suite struct PreallocationTests {
    private func payloads(_ count: Int) -> [[EventDraft]] {
        (1...count).map { [EventDraft(type: "p", payload: Array("payload \($0);".utf8))] }
    }

    /// lz4 -dc on a file: its exit status and output.
    private func lz4(_ path: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = ["-dc", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func anOpenWritersSegmentIsPaddedYetReadsCleanly() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .always))
        for batch in payloads(50) { try writer.append(batch) }
        let segment = firstSegment(folder.sub("s"))
        let size = fileBytes(segment).count
        #expect(size == SegmentFormat.headerLength + 4 << 20, "a durable writer preallocates a 4 MiB chunk")

        let reader = try LogStore(at: folder.sub("s"))
        #expect(try reader.head(of: "main") == 50)
        #expect(try reader.events(from: 49).map(\.sequence) == [49, 50])
        #expect(StoreVerifier.verify(reader).ok)
        let (status, text) = try lz4(segment)
        #expect(status == 0, "the padding is a skippable frame, so stock lz4 reads the open segment")
        #expect(text == (1...50).map { "payload \($0);" }.joined())

        try writer.close()
        #expect(endsAtLastRecord(segment), "closing trims the preallocated space")
        #expect(try lz4(segment).1 == text)
    }

    @Test func aCrashInPreallocatedSpaceRecoversCleanlyOrCutsTheTornRecord() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .always))
        for batch in payloads(20) { try writer.append(batch) }
        // A copy of the files while the writer is open is what a crash leaves behind.
        copyTree(folder.sub("s"), folder.sub("crashed"))
        try writer.close()

        let clean = try LogWriter(at: folder.sub("crashed"))
        #expect(clean.recovered.isEmpty, "padding after the last record is a clean end")
        #expect(try clean.store.head(of: "main") == 20)
        try clean.append([EventDraft(type: "p", payload: Array("after;".utf8))])
        try clean.close()
        #expect(StoreVerifier.verify(try LogStore(at: folder.sub("crashed"))).ok)

        // Now a record torn half-way into the padded space.
        copyTree(folder.sub("s"), folder.sub("torn"))
        let writer2 = try LogWriter(at: folder.sub("torn"))
        try writer2.append([EventDraft(type: "p", payload: Array("x".utf8))])
        copyTree(folder.sub("torn"), folder.sub("torn2"))
        try writer2.close()
        let segment = firstSegment(folder.sub("torn2"))
        var bytes = fileBytes(segment)
        let scan = try #require(try? bytes.withUnsafeBytes { try SegmentScan.scan($0, hashes: false).get() })
        let record = try #require(scan.records.last)
        for i in (record.offset + record.length / 2)..<(record.offset + record.length + 8) { bytes[i] = 0 }
        writeFile(segment, bytes)
        let recovered = try LogWriter(at: folder.sub("torn2"))
        #expect(recovered.recovered.count == 1 && recovered.recovered[0].offset == Int64(record.offset))
        #expect(try recovered.store.head(of: "main") == 20)
        try recovered.close()
    }
}
