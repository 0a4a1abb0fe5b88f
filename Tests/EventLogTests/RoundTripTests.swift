import Testing
import TestSupport
@testable import EventLog

@Suite struct RoundTripTests {
    /// Random batches, several segments, reopened: what comes back is what went in, in order.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomBatchesRoundTrip(seed: UInt64) throws {
        let folder = TemporaryDirectory()
        var rng = SeededRandom(seed: seed)
        let policy: DurabilityPolicy = [.always, .none, .interval(milliseconds: 5)][Int(seed % 3)]
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: policy, segmentBytes: 8192))
        var expected: [EventDraft] = []
        for _ in 0..<60 {
            let batch = randomBatch(&rng)
            let range = try writer.append(batch)
            #expect(range.lowerBound == UInt64(expected.count + 1))
            #expect(range.count == batch.count)
            expected += batch
        }
        try writer.close()

        let store = try LogStore(at: folder.sub("s"))
        let events = try store.events()
        #expect(events.map(\.draft) == expected)
        #expect(events.map(\.sequence) == Array(1...UInt64(expected.count)))
        #expect(try store.head(of: "main") == UInt64(expected.count))
        let report = StoreVerifier.verify(store)
        #expect(report.ok, "\(report.problems)")
        #expect(report.segments > 1, "the test should span several segments")

        // Reading any window, through the sparse index, gives the same events.
        for _ in 0..<20 {
            let a = UInt64.random(in: 1...UInt64(expected.count), using: &rng)
            let b = UInt64.random(in: a...UInt64(expected.count), using: &rng)
            #expect(try store.events(from: a, through: b).map(\.draft) == Array(expected[Int(a - 1)..<Int(b)]))
        }

        // A reopened writer continues the chain.
        let again = try LogWriter(at: folder.sub("s"))
        #expect(again.recovered.isEmpty)
        try again.append([EventDraft(type: "after", payload: [1])])
        try again.close()
        #expect(StoreVerifier.verify(store).ok)
    }

    @Test func readersSeeAppendsWhileTheWriterIsOpen() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        let reader = try LogStore(at: folder.sub("s"))
        try writer.append([EventDraft(type: "a", payload: [1])])
        #expect(try reader.head(of: "main") == 1)
        try writer.append([EventDraft(type: "b", payload: [2]), EventDraft(type: "c", payload: [3])])
        #expect(try reader.events().map(\.type) == ["a", "b", "c"])
        try writer.close()
    }

    @Test func aSecondWriterIsRefusedWithAClearError() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        #expect {
            _ = try LogWriter(at: folder.sub("s"))
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .locked && error.description.contains("one writer at a time")
        }
        try writer.close()
        // Once the first closes, the lock is free.
        try LogWriter(at: folder.sub("s")).close()
    }

    @Test func aStoreFromANewerFormatIsRefused() throws {
        let folder = TemporaryDirectory()
        try LogWriter.create(at: folder.sub("s")).close()
        let manifest = folder.sub("s") + "/manifest.json"
        let text = String(decoding: fileBytes(manifest), as: UTF8.self).replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 99")
        writeFile(manifest, Array(text.utf8))
        #expect {
            _ = try LogStore(at: folder.sub("s"))
        } throws: { ($0 as? LogError)?.code == .unsupportedVersion }
    }

    @Test func badAppendsAreRefusedAndChangeNothing() throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"))
        try writer.append([EventDraft(type: "ok", payload: [1])])
        #expect(throws: LogError.self) { try writer.append([]) }
        #expect(throws: LogError.self) { try writer.append([EventDraft(type: String(repeating: "t", count: 300), payload: [])]) }
        #expect(throws: LogError.self) { try writer.append([EventDraft(type: "a", payload: [], blobs: [.zero])]) }
        #expect(throws: LogError.self) { try writer.append([EventDraft(type: "a", payload: [])], to: "nope") }
        #expect(try writer.store.head(of: "main") == 1)
        try writer.close()
        #expect(StoreVerifier.verify(try LogStore(at: folder.sub("s"))).ok)
    }
}
