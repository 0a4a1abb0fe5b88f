import Foundation
import Testing
@testable import EventLog

/// `visitEvents(ofTypes:)`: the events of some types, read from only the records whose headers
/// name one of them. The oracle is the full walk, filtered.
struct TypedWalkTests {
    static func draft(_ type: String, _ n: Int) -> EventDraft { EventDraft(type: type, payload: Array("\(type) \(n)".utf8)) }

    /// Records of one type, of the other, and of both, on `main` and on a branch.
    static func makeStore(_ path: String) throws {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        try writer.append([draft("Kept.v1", 1)])
        try writer.append([draft("Other.v1", 2), draft("Other.v1", 3)])
        try writer.append([draft("Other.v1", 4), draft("Kept.v1", 5), draft("Other.v1", 6)])
        try writer.append([draft("Other.v1", 7)])
        try writer.createBranch("side", from: "main", at: 3)
        try writer.append([draft("Kept.v1", 8)], to: "side")
        try writer.append([draft("Kept.v1", 9)])
        try writer.close()
    }

    @Test(arguments: ["main", "side"]) func theTypedWalkIsTheFullWalkFiltered(branch: String) throws {
        let folder = TemporaryDirectory()
        try Self.makeStore(folder.sub("s"))
        let store = try LogStore(at: folder.sub("s"))
        var typed: [Event] = []
        try store.visitEvents(ofTypes: ["Kept.v1"], branch: branch, through: nil) { typed.append($0) }
        #expect(typed == (try store.events(branch: branch)).filter { $0.type == "Kept.v1" })
        #expect(!typed.isEmpty)
        var through4: [Event] = []
        try store.visitEvents(ofTypes: ["Kept.v1"], branch: branch, through: 4) { through4.append($0) }
        #expect(through4 == (try store.events(branch: branch, through: 4)).filter { $0.type == "Kept.v1" })
    }

    /// A record holding none of the types is not decompressed: its frame, made unreadable
    /// (magic overwritten, CRC recomputed), stops the full walk but not the typed one.
    @Test func aRecordOfOtherTypesIsNotDecompressed() throws {
        let folder = TemporaryDirectory()
        let path = folder.sub("s")
        try Self.makeStore(path)
        let segment = firstSegment(path)
        var bytes = fileBytes(segment)
        let (offset, second, types) = try bytes.withUnsafeBytes { all in
            let first = try RecordCodec.parse(all, at: SegmentFormat.headerLength).get()
            let offset = SegmentFormat.headerLength + first.totalLength
            let second = try RecordCodec.parse(all, at: offset).get()
            return (offset, second, second.types(in: UnsafeRawBufferPointer(rebasing: all[offset...])))
        }
        #expect(types == ["Other.v1"])
        for i in 0..<4 { bytes[offset + second.frameOffset + i] = 0xAB }
        let crc = bytes.withUnsafeBytes { RecordCodec.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + second.totalLength)])) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((offset + 8)..<(offset + 12), with: $0) }
        writeFile(segment, bytes)
        let store = try LogStore(at: path)
        #expect(throws: (any Error).self) { try store.events() }
        var typed: [Event] = []
        try store.visitEvents(ofTypes: ["Kept.v1"], branch: "main", through: nil) { typed.append($0) }
        #expect(typed.map { String(decoding: $0.payload, as: UTF8.self) } == ["Kept.v1 1", "Kept.v1 5", "Kept.v1 9"])
    }
}
