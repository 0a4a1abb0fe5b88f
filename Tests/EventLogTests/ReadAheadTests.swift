import Foundation
import Testing
import TestSupport
@testable import EventLog

/// `forEachEventReadingAhead` reads on a second thread: what the body sees must be exactly
/// what `forEachEvent` gives it, including where an error comes.
@Suite struct ReadAheadTests {
    /// 40 events in records of one to four, each payload random (so that it is stored as it is).
    private func writeStore(_ path: String) throws -> [EventDraft] {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        var rng = SeededRandom(seed: 5)
        var written: [EventDraft] = []
        while written.count < 40 {
            let batch = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                EventDraft(type: "Note.v1", payload: (0..<96).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
            try writer.append(batch)
            written += batch
        }
        try writer.close()
        return written
    }

    private func readAhead(_ store: LogStore, from: UInt64 = 1, through: UInt64? = nil, batch: Int) throws -> [Event] {
        var events: [Event] = []
        try store.forEachEventReadingAhead(from: from, through: through, batch: batch) { events.append($0) }
        return events
    }

    @Test(arguments: [1, 3, 256])
    func theSameEventsInTheSameOrder(batch: Int) throws {
        let folder = TemporaryDirectory()
        let written = try writeStore(folder.sub("s"))
        let store = try LogStore(at: folder.sub("s"))
        #expect(try readAhead(store, batch: batch) == store.events())
        #expect(try readAhead(store, batch: batch).map(\.draft) == written)
        #expect(try readAhead(store, from: 7, through: 23, batch: batch) == store.events(from: 7, through: 23))
    }

    @Test func anErrorOfTheBodyStopsTheWalkAndPassesThrough() throws {
        struct Refused: Error, Equatable { let sequence: UInt64 }
        let folder = TemporaryDirectory()
        _ = try writeStore(folder.sub("s"))
        let store = try LogStore(at: folder.sub("s"))
        var seen: [UInt64] = []
        // Batches of 2 with 4 queued: the reader is ahead, waiting for room, when the body fails.
        #expect(throws: Refused(sequence: 5)) {
            try store.forEachEventReadingAhead(batch: 2) { event in
                seen.append(event.sequence)
                if event.sequence == 5 { throw Refused(sequence: 5) }
            }
        }
        #expect(seen == [1, 2, 3, 4, 5])
    }

    @Test func aDamagedRecordFailsAfterEveryEventBeforeIt() throws {
        let folder = TemporaryDirectory()
        let written = try writeStore(folder.sub("s"))
        // Flip a byte of event 12's payload, stored as it was written: within the four
        // batches of three the reader may queue, so it meets the damage while batches wait.
        let segment = firstSegment(folder.sub("s"))
        var bytes = fileBytes(segment)
        let needle = Array(written[11].payload[40..<72])
        let at = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        bytes[at + 5] ^= 0x40
        writeFile(segment, bytes)
        let store = try LogStore(at: folder.sub("s"))

        var plain: [UInt64] = [], ahead: [UInt64] = []
        let plainError = try #require(throws: LogError.self) { try store.forEachEvent { plain.append($0.sequence) } }
        let aheadError = try #require(throws: LogError.self) {
            try store.forEachEventReadingAhead(batch: 3) { event in
                // Time for the reader to reach the damage before anything is folded.
                if event.sequence == 1 { Thread.sleep(forTimeInterval: 0.1) }
                ahead.append(event.sequence)
            }
        }
        #expect(plainError.code == .corrupt)
        #expect(aheadError.description == plainError.description)
        #expect(ahead == plain)
        #expect(!plain.isEmpty && plain.last! < 12)
    }
}
