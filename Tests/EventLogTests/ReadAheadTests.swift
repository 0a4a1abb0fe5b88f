import Testing
import TestSupport
@testable import EventLog
import SystemIO

/// A walk that reads records on a second thread (`ReadAhead.always`) must hand out exactly
/// what a walk on one thread does: the same events in the same order, the same error at the
/// same point, and the body's own error, after which it stops the reading thread and returns.
@Suite struct ReadAheadTests {
    /// A store of 400 events in about 200 records over several segments. Payload sizes from a
    /// few bytes to past a batch (so a batch grows), random bytes so the segments are large,
    /// three types, and some events naming a blob.
    static func makeStore(_ path: String) throws -> [EventDraft] {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none, segmentBytes: 512 << 10))
        var rng = SeededRandom(seed: 7)
        let blob = try writer.store.blobs.put([1, 2, 3], durable: false)
        var written: [EventDraft] = []
        var i = 0
        while i < 400 {
            let size = Int.random(in: 1...2, using: &rng)
            let batch = (0..<size).map { k -> EventDraft in
                let length = (i + k) == 150 ? RecordReadAhead.batchBytes + 999 : Int.random(in: 1...9_000, using: &rng)
                return EventDraft(type: ["A.v1", "Bee.v1", "C.v2"][(i + k) % 3], payload: randomBytes(length, &rng),
                                  blobs: (i + k) % 7 == 0 ? [blob] : [])
            }
            try writer.append(batch)
            written += batch
            i += size
        }
        try writer.close()
        return written
    }

    /// Eight bytes per draw: a byte per draw made the suite's stores take seconds in debug builds.
    static func randomBytes(_ count: Int, _ rng: inout SeededRandom) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            for start in stride(from: 0, to: count, by: 8) {
                withUnsafeBytes(of: rng.next()) { word in
                    UnsafeMutableRawBufferPointer(rebasing: raw[start..<min(start + 8, count)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: word[0..<min(8, count - start)]))
                }
            }
        }
        return bytes
    }

    static func store(_ path: String, _ readAhead: ReadAhead) throws -> LogStore {
        var store = try LogStore(at: path)
        store.readAhead = readAhead
        return store
    }

    @Test func theStoreSpansSeveralSegments() throws {
        let folder = TemporaryDirectory()
        _ = try Self.makeStore(folder.sub("s"))
        #expect(try FileSystem().list(folder.sub("s") + "/lines/000001").filter { $0.hasSuffix(".seg") }.count >= 3)
    }

    @Test func aWholeWalkHandsOutTheSameEvents() throws {
        let folder = TemporaryDirectory()
        let written = try Self.makeStore(folder.sub("s"))
        let ahead = try Self.store(folder.sub("s"), .always).events()
        #expect(ahead.map(\.draft) == written)
        #expect(ahead == (try Self.store(folder.sub("s"), .never).events()))
    }

    @Test(arguments: [(1 as UInt64, 1 as UInt64), (2, 399), (149, 151), (260, 400), (400, 400)])
    func aPartOfTheHistoryHandsOutTheSameEvents(from: UInt64, through: UInt64) throws {
        let folder = TemporaryDirectory()
        let written = try Self.makeStore(folder.sub("s"))
        let ahead = try Self.store(folder.sub("s"), .always).events(from: from, through: through)
        #expect(ahead.map(\.draft) == Array(written[Int(from - 1)..<Int(through)]))
        #expect(ahead.map(\.sequence) == Array(from...through))
    }

    @Test func aWalkOfSomeTypesHandsOutTheSameEvents() throws {
        let folder = TemporaryDirectory()
        let written = try Self.makeStore(folder.sub("s"))
        var seen: [EventDraft] = []
        try Self.store(folder.sub("s"), .always).visitEvents(ofTypes: ["Bee.v1"], branch: "main", through: nil) { seen.append($0.draft) }
        #expect(seen == written.filter { $0.type == "Bee.v1" })
    }

    /// The read-ahead itself, not through a store whose setting might not reach it: one
    /// segment's records through `RecordReadAhead` against the same records read in place.
    @Test func theReadAheadRunsAndMatchesTheRecordsReadInPlace() throws {
        let folder = TemporaryDirectory()
        _ = try Self.makeStore(folder.sub("s"))
        let segment = LineFiles.Segment(firstSequence: 1, path: firstSegment(folder.sub("s")))
        let file = try FileSystem().open(segment.path, .readOnly)
        defer { try? file.close() }
        let records = SegmentRecords(file: file, segment: segment, start: SegmentFormat.headerLength, isLast: false,
                                     range: 1...UInt64.max, toEnd: false, types: nil)
        var inPlace: [Event] = [], ahead: [Event] = []
        var scratch = WalkScratch()
        let decompressor = try LZ4Frame.Decompressor(checksums: false)
        let placeOutcome = try records.forEach { header, record in
            try RecordCodec.forEachEvent(of: header, in: record, using: decompressor, scratch: &scratch) { inPlace.append($0) }
        }
        var aheadScratch = WalkScratch()
        let aheadOutcome = try RecordReadAhead.forEachEvent(of: records, scratch: &aheadScratch) { ahead.append($0) }
        #expect(aheadOutcome != nil)
        #expect(aheadOutcome == placeOutcome)
        #expect(!ahead.isEmpty)
        #expect(ahead == inPlace)
    }

    /// Both walks' events and the error they end with.
    static func walkUntilFailure(_ path: String, _ readAhead: ReadAhead) throws -> (events: [UInt64], error: LogError?) {
        var seen: [UInt64] = []
        do {
            try store(path, readAhead).forEachEvent { seen.append($0.sequence) }
            return (seen, nil)
        } catch let error as LogError {
            return (seen, error)
        }
    }

    /// A store whose first segment's record holding `sequence` is changed by `damage` (given
    /// the segment's bytes and that record's range in them), walked with and without
    /// read-ahead: the record and both walks.
    static func walksOfDamagedStore(holding sequence: UInt64, _ damage: (inout [UInt8], Range<Int>) -> Void) throws
        -> (record: SegmentScan.Record, ahead: (events: [UInt64], error: LogError?), inPlace: (events: [UInt64], error: LogError?)) {
        let folder = TemporaryDirectory()
        _ = try makeStore(folder.sub("s"))
        let path = firstSegment(folder.sub("s"))
        var bytes = fileBytes(path)
        guard case .success(let scan) = bytes.withUnsafeBytes({ SegmentScan.scan($0, hashes: false) }),
              let record = scan.records.first(where: { $0.firstSequence <= sequence && sequence <= $0.lastSequence }) else {
            throw LogError(.corrupt, "no record holds \(sequence)")
        }
        damage(&bytes, record.offset..<(record.offset + record.length))
        writeFile(path, bytes)
        return (record, try walkUntilFailure(folder.sub("s"), .always), try walkUntilFailure(folder.sub("s"), .never))
    }

    @Test func aDamagedRecordFailsAfterTheSameEventsWithTheSameError() throws {
        let walks = try Self.walksOfDamagedStore(holding: 40) { bytes, record in
            bytes[record.upperBound - 9] ^= 0x10  // in its frame: the CRC-32C no longer matches
        }
        #expect(walks.ahead.error?.code == .corrupt)
        #expect(walks.ahead.error?.message.contains("CRC-32C") == true)
        #expect(walks.ahead.error?.offset == Int64(walks.record.offset))
        #expect(walks.ahead.events == Array(1..<walks.record.firstSequence))
        #expect(walks.ahead.events == walks.inPlace.events)
        #expect(walks.ahead.error?.description == walks.inPlace.error?.description)
    }

    /// A frame LZ4 cannot decode behind a CRC that matches (a forged record): the reading
    /// thread's decompression fails, and the caller gets the record's corruption, in order.
    @Test func aFrameThatDoesNotDecodeFailsTheSameWay() throws {
        let walks = try Self.walksOfDamagedStore(holding: 60) { bytes, record in
            let frame = bytes[record].withUnsafeBytes { raw -> Int in
                guard case .success(let header) = RecordCodec.parse(raw, at: 0) else { return 0 }
                return header.frameOffset
            }
            // The first block's size word (after the frame's 15-byte header) claims more than
            // the frame holds; then the CRC is made to match.
            let word = record.lowerBound + frame + 15
            bytes.replaceSubrange(word..<(word + 4), with: [0xFF, 0xFF, 0x0F, 0x00])
            let crc = bytes[record].withUnsafeBytes { RecordCodec.checksum($0) }
            bytes.replaceSubrange((record.lowerBound + 8)..<(record.lowerBound + 12), with: withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        }
        #expect(walks.ahead.error?.code == .corrupt)
        #expect(walks.ahead.error?.message.contains("LZ4") == true)
        #expect(walks.ahead.error?.offset == Int64(walks.record.offset))
        #expect(walks.ahead.events == Array(1..<walks.record.firstSequence))
        #expect(walks.ahead.error?.description == walks.inPlace.error?.description)
    }

    struct Enough: Error, Equatable {}

    /// The body stops the walk early, while the reading thread has batches in flight and waits
    /// for one back: the body's error comes out and the walk returns.
    @Test(arguments: [1 as UInt64, 5, 300])
    func theBodysErrorStopsTheWalk(at stop: UInt64) throws {
        let folder = TemporaryDirectory()
        _ = try Self.makeStore(folder.sub("s"))
        var seen: [UInt64] = []
        #expect(throws: Enough()) {
            try Self.store(folder.sub("s"), .always).forEachEvent { event in
                seen.append(event.sequence)
                if event.sequence == stop { throw Enough() }
            }
        }
        #expect(seen == Array(1...stop))
    }

    @Test func automaticReadsAheadOnlyALongSegmentOnMoreThanOneProcessor() {
        #expect(ReadAhead.always.applies(toBytes: 1))
        #expect(!ReadAhead.never.applies(toBytes: .max))
        #expect(!ReadAhead.automatic.applies(toBytes: RecordReadAhead.minimumBytes - 1))
        #expect(ReadAhead.automatic.applies(toBytes: RecordReadAhead.minimumBytes) == (RecordReadAhead.processors > 1))
    }
}
