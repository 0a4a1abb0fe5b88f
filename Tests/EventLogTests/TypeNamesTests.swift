import Testing
@testable import EventLog

/// A walk makes each type name's `String` once (`TypeNames`) and reads the type and event
/// tables from the record's bytes. The oracle is what was appended.
struct TypeNamesTests {
    /// Names of one length that differ only in their last bytes, over 15 bytes (heap strings),
    /// and a short one: a cache that matched on length alone would hand back the wrong name.
    static let names = ["InteractionRecorded.v1", "InteractionRecorded.v2", "FeedbackRecorded.v1", "A"]

    @Test func aNameIsNeverConfusedWithAnotherOfItsLength() {
        var cache = TypeNames()
        for _ in 0..<3 {
            for name in Self.names {
                let made = Array(name.utf8).withUnsafeBytes { cache.name($0) }
                #expect(made == name)
            }
        }
    }

    /// Records of one type and of several, alternating, walked by a store: every event keeps
    /// its own type, sequence, payload and blobs.
    @Test func aWalkGivesEachEventItsOwnTypeAcrossRecords() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none))
        let blob = try writer.putBlob([1, 2, 3])
        var appended: [EventDraft] = []
        for round in 0..<4 {
            let batch = [
                [EventDraft(type: Self.names[round % 2], payload: Array("one \(round)".utf8))],
                [EventDraft(type: Self.names[1], payload: [UInt8(round)], blobs: [blob]),
                 EventDraft(type: Self.names[0], payload: []),
                 EventDraft(type: Self.names[2], payload: Array("three".utf8))],
            ]
            for drafts in batch {
                try writer.append(drafts)
                appended += drafts
            }
        }
        try writer.close()
        let events = try LogStore(at: folder.sub("s")).events()
        #expect(events.map(\.draft) == appended)
        #expect(events.map(\.sequence) == Array(1...UInt64(appended.count)))
    }
}
