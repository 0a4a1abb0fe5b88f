import Testing
@testable import EventLog

@Suite struct FormatTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // Running updates equal one pass, across the 8-byte slicing boundary.
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let split = bytes.withUnsafeBytes { raw in
            CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[0..<13])), UnsafeRawBufferPointer(rebasing: raw[13...]))
        }
        #expect(split == CRC32C.checksum(bytes))
    }

    /// RFC 3720's CRC-32C vectors (B.4) and the check value, for the tables and for SSE 4.2's
    /// instruction: replay depends on both agreeing on every store.
    @Test(arguments: [false, true]) func bothKernelsGiveTheStandardsValues(hardware: Bool) throws {
        if hardware && CRC32C.kernel != "sse4.2" { return }  // this CPU has only the tables
        func crc(_ bytes: [UInt8]) -> UInt32 {
            bytes.withUnsafeBytes { hardware ? CRC32C.update(0, $0) : CRC32C.portableUpdate(0, $0) }
        }
        #expect(crc(Array("123456789".utf8)) == 0xE306_9283)
        #expect(crc([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(crc([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(crc((0..<32).map(UInt8.init)) == 0x46DD_794E)
        #expect(crc((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func theInstructionAgreesWithTheTablesOnEveryLengthAndAlignment() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<9 {
                for end in stride(from: start, through: raw.count, by: 7) {
                    let part = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                    #expect(CRC32C.update(0x1234_5678, part) == CRC32C.portableUpdate(0x1234_5678, part), "bytes \(start)..<\(end)")
                }
            }
        }
    }

    /// From three 512-byte lanes up, the instruction runs three lanes at once and joins them
    /// with shift tables: lengths around one and two blocks, and long ones, at odd starts.
    @Test func theThreeLaneInstructionPathAgreesWithTheTablesOnLongBuffers() {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<12_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes.withUnsafeBytes { raw in
            for start in [0, 1, 5] {
                for length in [1535, 1536, 1537, 3071, 3072, 3073, 4608 + 13, 11_000] {
                    let part = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    #expect(CRC32C.update(0x9ABC_DEF0, part) == CRC32C.portableUpdate(0x9ABC_DEF0, part), "bytes \(start)..<\(start + length)")
                }
            }
        }
    }

    @Test func hashHexRoundTrips() {
        let hash = Hash256.of(Array("abc".utf8))
        #expect(hash.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash256(hex: hash.hex) == hash)
        #expect(Hash256(hex: "xyz") == nil)
    }

    @Test func recordRoundTripsThroughEncodeAndParse() throws {
        let blob = Hash256.of([1, 2, 3])
        let drafts = [EventDraft(type: "A", payload: Array("one".utf8)),
                      EventDraft(type: "B", payload: [], blobs: [blob]),
                      EventDraft(type: "A", payload: [0, 255, 7])]
        let record = RecordCodec.encode(drafts, firstSequence: 42, timeNanos: 123, previousHash: blob)
        let header = try record.withUnsafeBytes { try RecordCodec.parse($0, at: 0).get() }
        #expect(header.firstSequence == 42 && header.lastSequence == 44)
        #expect(header.previousHash == blob && header.timeNanos == 123 && header.totalLength == record.count)
        let events = try record.withUnsafeBytes { try RecordCodec.events(of: header, in: $0) }
        #expect(events.map(\.draft) == drafts)
        #expect(events.map(\.sequence) == [42, 43, 44])
    }

    @Test func everyShorterPrefixOfARecordIsIncompleteNotInvalid() {
        let record = RecordCodec.encode([EventDraft(type: "A", payload: Array(repeating: 9, count: 100))], firstSequence: 1, timeNanos: 0, previousHash: .zero)
        for length in 0..<record.count {
            let prefix = Array(record[0..<length])
            let result = prefix.withUnsafeBytes { RecordCodec.parse($0, at: 0) }
            guard case .failure(.incomplete) = result else {
                Issue.record("prefix of \(length) bytes parsed as \(result)")
                return
            }
        }
    }

    @Test func everySingleBitFlipInARecordIsRejected() {
        let record = RecordCodec.encode([EventDraft(type: "Type", payload: Array("payload bytes".utf8), blobs: [.zero])], firstSequence: 7, timeNanos: 99, previousHash: .zero)
        for bit in 0..<(record.count * 8) {
            var damaged = record
            damaged[bit / 8] ^= 1 << (bit % 8)
            let result = damaged.withUnsafeBytes { RecordCodec.parse($0, at: 0) }
            if case .success = result { Issue.record("flip of bit \(bit) went unnoticed") }
        }
    }

    @Test func segmentHeaderRejectsForeignBytes() {
        let header = SegmentFormat.header(line: 3, firstSequence: 11)
        let parsed = header.withUnsafeBytes { SegmentFormat.parseHeader($0) }
        guard case .success(let value) = parsed else { Issue.record("header did not parse"); return }
        #expect(value.line == 3 && value.firstSequence == 11)
        let foreign = Array("#!/bin/sh\necho not a segment at all, just text here\n".utf8)
        guard case .failure(.invalid) = foreign.withUnsafeBytes({ SegmentFormat.parseHeader($0) }) else {
            Issue.record("foreign bytes accepted as a segment header"); return
        }
    }

    @Test func sparseIndexFindsTheRecordBeforeASequence() {
        var index = SparseIndex()
        index.note(sequence: 1, offset: 40, end: 100)
        index.note(sequence: 5, offset: 100, end: 5000)       // within spacing: not kept
        index.note(sequence: 9, offset: 5000, end: 9000)      // kept
        #expect(index.entries.map(\.sequence) == [1, 9])
        #expect(index.offset(before: 3) == 40)
        #expect(index.offset(before: 9) == 5000)
        #expect(index.offset(before: 100) == 5000)
        #expect(SparseIndex.decode(index.encoded()) == index)
        var damaged = index.encoded()
        damaged[20] ^= 1
        #expect(SparseIndex.decode(damaged) == nil)
    }
}
