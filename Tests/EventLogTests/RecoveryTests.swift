import Foundation
import Testing
import TestSupport
@testable import EventLog

@Suite struct RecoveryTests {
    /// A store of `batches` small records on one segment; returns its events, batch by batch.
    private func makeStore(_ path: String, batches: Int, seed: UInt64) throws -> [[EventDraft]] {
        var rng = SeededRandom(seed: seed)
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        var written: [[EventDraft]] = []
        for _ in 0..<batches {
            let batch = randomBatch(&rng, maxCount: 3, maxPayload: 40)
            try writer.append(batch)
            written.append(batch)
        }
        try writer.close()
        return written
    }

    private func recordOffsets(_ segment: [UInt8]) -> [Int] {
        guard case .success(let scan) = segment.withUnsafeBytes({ SegmentScan.scan($0, hashes: false) }) else { return [] }
        return scan.records.map(\.offset) + [scan.validEnd]
    }

    /// A store of 8 batches on one segment, to be cut short at every offset from a record on.
    private struct CutStore {
        let store: String
        let segmentPath: String
        let original: [UInt8]
        let boundaries: [Int]  // record offsets, then the end of the last record
        let batches: [[EventDraft]]

        /// Cuts the segment at `cut`; returns how many records stay whole and their events.
        func cut(at cut: Int) -> (whole: Int, expected: [EventDraft]) {
            writeFile(segmentPath, Array(original[0..<cut]))
            let whole = boundaries.lastIndex(where: { $0 <= cut })!
            return (whole, batches[0..<whole].flatMap { $0 })
        }
    }

    private func cutStore(in folder: TemporaryDirectory, seed: UInt64) throws -> CutStore {
        let store = folder.sub("s")
        let batches = try makeStore(store, batches: 8, seed: seed)
        let segmentPath = firstSegment(store)
        let original = fileBytes(segmentPath)
        return CutStore(store: store, segmentPath: segmentPath, original: original, boundaries: recordOffsets(original), batches: batches)
    }

    @Test func truncationAtEveryOffsetOfTheLastRecordsRecoversTheWholeOnes() throws {
        let folder = TemporaryDirectory()
        let cuts = try cutStore(in: folder, seed: 11)
        let (store, segmentPath, original, boundaries) = (cuts.store, cuts.segmentPath, cuts.original, cuts.boundaries)
        #expect(boundaries.count == 9 && boundaries.last == original.count)

        for cut in boundaries[5]..<original.count {
            try? FileManager.default.removeItem(atPath: store + "/lines/000001/quarantine")
            let (whole, expected) = cuts.cut(at: cut)  // records entirely before the cut

            // Reading verbs report the torn tail and change nothing.
            let report = StoreVerifier.verify(try LogStore(at: store))
            if cut == boundaries[whole] {
                #expect(report.ok, "cut at a record boundary \(cut) is a clean end")
            } else {
                #expect(report.problems.contains { $0.code == .tornTail && $0.path == segmentPath && $0.offset == Int64(boundaries[whole]) })
                #expect(fileBytes(segmentPath) == Array(original[0..<cut]))
            }

            // A writer cuts the tail back, keeps the bytes, and appends after the last whole record.
            let writer = try LogWriter(at: store)
            #expect(try writer.store.events().map(\.draft) == expected, "cut at \(cut)")
            if cut != boundaries[whole] {
                #expect(writer.recovered.count == 1)
                let saved = try #require(writer.recovered.first?.savedTo)
                #expect(fileBytes(saved) == Array(original[boundaries[whole]..<cut]))
            } else {
                #expect(writer.recovered.isEmpty)
            }
            try writer.append([EventDraft(type: "after-crash", payload: [1, 2, 3])])
            try writer.close()
            let reopened = try LogStore(at: store)
            #expect(try reopened.head(of: "main") == UInt64(expected.count + 1))
            #expect(StoreVerifier.verify(reopened).ok)
        }
    }

    /// A walk to the head finds the head itself (it does not read it first): it must stop at
    /// the same place, the last whole record, whatever the cut, and write nothing.
    @Test func aWalkToTheHeadOfATornSegmentEndsAtItsLastWholeRecord() throws {
        let folder = TemporaryDirectory()
        let cuts = try cutStore(in: folder, seed: 14)
        for cut in cuts.boundaries[6]..<cuts.original.count {
            let (_, expected) = cuts.cut(at: cut)
            let reader = try LogStore(at: cuts.store)
            #expect(try reader.events().map(\.draft) == expected, "cut at \(cut)")
            #expect(try reader.events(through: reader.head(of: "main")).map(\.draft) == expected, "cut at \(cut)")
            #expect(fileBytes(cuts.segmentPath) == Array(cuts.original[0..<cut]))
        }
    }

    @Test func everySingleBitFlipInASegmentIsDetectedAndNothingChanges() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        _ = try makeStore(store, batches: 6, seed: 12)
        let segmentPath = firstSegment(store)
        let original = fileBytes(segmentPath)
        for offset in 0..<original.count {
            var damaged = original
            damaged[offset] ^= 1 << UInt8(offset % 8)
            writeFile(segmentPath, damaged)
            let report = StoreVerifier.verify(try LogStore(at: store))
            #expect(!report.ok, "flip at byte \(offset) went unnoticed")
            #expect(report.problems.allSatisfy { $0.path == segmentPath && $0.offset != nil }, "\(report.problems)")
            #expect(fileBytes(segmentPath) == damaged)
        }
        writeFile(segmentPath, original)
        #expect(StoreVerifier.verify(try LogStore(at: store)).ok)
    }

    @Test func damageInTheMiddleIsRefusedNamingFileAndOffsetAndNothingIsCut() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        _ = try makeStore(store, batches: 5, seed: 13)
        let segmentPath = firstSegment(store)
        let original = fileBytes(segmentPath)
        let boundaries = recordOffsets(original)
        var damaged = original
        damaged[boundaries[1] + 30] ^= 0x10  // inside the second record
        writeFile(segmentPath, damaged)

        #expect {
            _ = try LogWriter(at: store)
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .corrupt && error.path == segmentPath && error.offset == Int64(boundaries[1])
                && error.description.contains("CRC-32C")
        }
        #expect(fileBytes(segmentPath) == damaged)
        #expect(throws: LogError.self) { _ = try LogStore(at: store).events() }
    }

    @Test func aSegmentWhoseHeaderNeverFinishedIsSetAsideOnOpen() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        let batches = try makeStore(store, batches: 3, seed: 14)
        let count = UInt64(batches.joined().count)
        let partial = store + "/lines/000001/" + SegmentFormat.fileName(firstSequence: count + 1)
        writeFile(partial, Array(SegmentFormat.header(line: 1, firstSequence: count + 1)[0..<17]))
        let writer = try LogWriter(at: store)
        #expect(writer.recovered.map(\.path) == [partial])
        #expect(!FileManager.default.fileExists(atPath: partial))
        try writer.append([EventDraft(type: "next", payload: [])])
        try writer.close()
        #expect(StoreVerifier.verify(try LogStore(at: store)).ok)
    }

    @Test func foreignFilesAreRefusedWithTheirName() throws {
        let folder = TemporaryDirectory()
        let store = folder.sub("s")
        _ = try makeStore(store, batches: 2, seed: 15)
        let segmentPath = firstSegment(store)
        let foreign = Array("PK\u{3}\u{4} this is a zip file, not a segment ...........................".utf8)
        writeFile(segmentPath, foreign)
        let report = StoreVerifier.verify(try LogStore(at: store))
        #expect(report.problems.contains { $0.code == .corrupt && $0.path == segmentPath && $0.offset == 0 })
        #expect(fileBytes(segmentPath) == foreign)
        #expect(throws: LogError.self) { _ = try LogStore(at: folder.path) }  // not a store at all
    }
}
