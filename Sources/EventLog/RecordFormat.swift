/// The on-disk record: one group-committed batch of events (see docs/log-format.md).
///
/// A record is an LZ4 *skippable frame* holding our header, followed by a standard LZ4 frame
/// holding the events' payloads back to back. A segment is therefore a valid stream of LZ4
/// frames: `lz4 -dc SEGMENT` prints every payload, and skips our headers.
///
/// ```
/// offset size  field
///  0     4     magic 0x184D2A5A (LZ4 skippable frame)
///  4     4     header size H (bytes from offset 8 to the LZ4 frame)
///  8     4     CRC-32C of bytes [0, 8) and [12, end of record)
/// 12     2     record format version (1)
/// 14     2     flags (0)
/// 16     4     LZ4 frame length F
/// 20     8     first sequence number
/// 28     4     event count N (>= 1)
/// 32     8     commit time, ns since the Unix epoch
/// 40    32     SHA-256 of the previous record's bytes (zero for the first record of a store)
/// 72     4     payload length P (sum of the events' payload lengths)
/// 76     2     type count T, then T times: u8 length, UTF-8 type name
///  .           N times: u32 payload length, u16 type index, u8 blob count B, B x 32-byte hash
/// 8+H    F     LZ4 frame of the P payload bytes
/// ```
enum RecordFormat {
    static let magic: UInt32 = 0x184D_2A5A
    static let version: UInt16 = 1
    static let fixedHeaderEnd = 78  // through the type count

    // Bounds that keep a corrupt length from turning into a huge allocation.
    static let maxEvents = 1 << 20
    static let maxPayloadBytes = 1 << 30
    static let maxHeaderBytes = 64 << 20
    static let maxTypeNameBytes = 255
    static let maxBlobsPerEvent = 255
}

/// The decoded header of one record. The type names and the event table stay in the record's
/// bytes, which `parse` checked; the methods that read them take those bytes. A walk builds no
/// array per record this way: freeing a header's arrays and strings was 4% of a replay
/// (callgrind, docs/benchmarks.md).
struct RecordHeader: Sendable {
    struct Entry: Sendable {
        var length: Int
        var typeIndex: Int
        var blobs: [Hash256]
    }

    var firstSequence: UInt64
    var count: Int
    var timeNanos: Int64
    var previousHash: Hash256
    var payloadLength: Int
    var typeCount: Int
    /// Where the event table starts, relative to the record's start (the type names start at
    /// `RecordFormat.fixedHeaderEnd`).
    var eventTable: Int
    /// Where the LZ4 frame starts and how long it is, relative to the record's start.
    var frameOffset: Int
    var frameLength: Int

    var lastSequence: UInt64 { firstSequence + UInt64(count) - 1 }
    var totalLength: Int { frameOffset + frameLength }

    /// Calls `body` with each type name's UTF-8 bytes, in table order. `record`: the record's
    /// bytes from its start.
    func forEachTypeName(in record: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var cursor = RecordFormat.fixedHeaderEnd
        for _ in 0..<typeCount {
            let length = Int(record[cursor])
            try body(UnsafeRawBufferPointer(rebasing: record[(cursor + 1)..<(cursor + 1 + length)]))
            cursor += 1 + length
        }
    }

    /// The type names, in table order.
    func types(in record: UnsafeRawBufferPointer) -> [String] {
        var types: [String] = []
        forEachTypeName(in: record) { types.append(String(decoding: $0, as: UTF8.self)) }
        return types
    }

    /// Calls `body` with each event's entry, in order.
    func forEachEntry(in record: UnsafeRawBufferPointer, _ body: (Entry) throws -> Void) rethrows {
        var cursor = eventTable
        for _ in 0..<count {
            let blobCount = Int(record[cursor + 6])
            let blobs = (0..<blobCount).map { Hash256(bytes: record, at: cursor + 7 + 32 * $0) }
            try body(Entry(length: Int(record.loadLE(cursor, as: UInt32.self)), typeIndex: Int(record.loadLE(cursor + 4, as: UInt16.self)), blobs: blobs))
            cursor += 7 + 32 * blobCount
        }
    }

    /// Every blob the record's events refer to, in order.
    func blobs(in record: UnsafeRawBufferPointer) -> [Hash256] {
        var blobs: [Hash256] = []
        forEachEntry(in: record) { blobs += $0.blobs }
        return blobs
    }
}

/// Why a byte range is not a record.
enum RecordProblem: Error, Sendable, Equatable {
    /// The bytes end before the record does: a torn write, or a writer still writing.
    case incomplete(needed: Int)
    /// The bytes are there but are not a valid record.
    case invalid(String)
}

enum RecordCodec {
    /// Encodes a batch as one record.
    static func encode(_ events: [EventDraft], firstSequence: UInt64, timeNanos: Int64, previousHash: Hash256) -> [UInt8] {
        precondition(!events.isEmpty && events.count <= RecordFormat.maxEvents)
        // A batch holds few distinct types (usually one), so a linear search beats hashing.
        var types: [String] = []
        var typeIndex: [UInt16] = []
        typeIndex.reserveCapacity(events.count)
        var payloadLength = 0
        for event in events {
            precondition(event.type.utf8.count <= RecordFormat.maxTypeNameBytes, "event type longer than 255 bytes")
            precondition(event.blobs.count <= RecordFormat.maxBlobsPerEvent, "more than 255 blobs in one event")
            if let last = typeIndex.last, types[Int(last)] == event.type {
                typeIndex.append(last)
            } else if let found = types.firstIndex(of: event.type) {
                typeIndex.append(UInt16(found))
            } else {
                typeIndex.append(UInt16(types.count))
                types.append(event.type)
            }
            payloadLength += event.payload.count
        }
        precondition(types.count <= Int(UInt16.max) && payloadLength <= RecordFormat.maxPayloadBytes)

        let headerBytes = RecordFormat.fixedHeaderEnd + types.reduce(0) { $0 + 1 + $1.utf8.count }
            + events.reduce(0) { $0 + 7 + 32 * $1.blobs.count }
        var record: [UInt8] = []
        record.reserveCapacity(headerBytes + LZ4Frame.bound(payloadLength))
        record.appendLE(RecordFormat.magic)
        record.appendLE(UInt32(0))  // header size, patched below
        record.appendLE(UInt32(0))  // CRC, patched below
        record.appendLE(RecordFormat.version)
        record.appendLE(UInt16(0))
        record.appendLE(UInt32(0))  // frame length, patched below
        record.appendLE(firstSequence)
        record.appendLE(UInt32(events.count))
        record.appendLE(timeNanos)
        previousHash.append(to: &record)
        record.appendLE(UInt32(payloadLength))
        record.appendLE(UInt16(types.count))
        for type in types {
            record.append(UInt8(type.utf8.count))
            record.append(contentsOf: type.utf8)
        }
        for (event, type) in zip(events, typeIndex) {
            record.appendLE(UInt32(event.payload.count))
            record.appendLE(type)
            record.append(UInt8(event.blobs.count))
            for blob in event.blobs { blob.append(to: &record) }
        }
        let frameOffset = record.count
        var payload: [UInt8] = []
        payload.reserveCapacity(payloadLength)
        for event in events { payload.append(contentsOf: event.payload) }
        payload.withUnsafeBytes { LZ4Frame.compress($0, appendingTo: &record) }

        record.storeLE(UInt32(frameOffset - 8), at: 4)
        record.storeLE(UInt32(record.count - frameOffset), at: 16)
        record.storeLE(checksum(record.withUnsafeBytes { $0 }), at: 8)
        return record
    }

    /// The CRC a record carries: over everything but the CRC field itself.
    static func checksum(_ record: UnsafeRawBufferPointer) -> UInt32 {
        let head = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: record[0..<8]))
        return CRC32C.update(head, UnsafeRawBufferPointer(rebasing: record[12...]))
    }

    /// Parses the record starting at `offset` in `bytes`, checking bounds, CRC and structure.
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<RecordHeader, RecordProblem> {
        let available = bytes.count - offset
        guard available >= 8 else { return .failure(.incomplete(needed: 8)) }
        let magic: UInt32 = bytes.loadLE(offset)
        guard magic == RecordFormat.magic else {
            return .failure(.invalid("bad record magic \(hex32(magic))"))
        }
        let headerSize = Int(bytes.loadLE(offset + 4, as: UInt32.self))
        guard headerSize >= RecordFormat.fixedHeaderEnd - 8, headerSize <= RecordFormat.maxHeaderBytes else {
            return .failure(.invalid("record header size \(headerSize) out of range"))
        }
        let frameOffset = 8 + headerSize
        guard available >= frameOffset else { return .failure(.incomplete(needed: frameOffset)) }
        let frameLength = Int(bytes.loadLE(offset + 16, as: UInt32.self))
        guard frameLength <= RecordFormat.maxPayloadBytes + (RecordFormat.maxPayloadBytes >> 7) + 64 else {
            return .failure(.invalid("LZ4 frame length \(frameLength) out of range"))
        }
        let total = frameOffset + frameLength
        guard available >= total else { return .failure(.incomplete(needed: total)) }

        let record = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + total)])
        let stored: UInt32 = record.loadLE(8)
        let computed = checksum(record)
        guard stored == computed else {
            return .failure(.invalid("CRC-32C mismatch (stored \(hex32(stored)), computed \(hex32(computed)))"))
        }
        let version: UInt16 = record.loadLE(12)
        guard version == RecordFormat.version else {
            return .failure(.invalid("record format version \(version); this build reads version \(RecordFormat.version)"))
        }
        let count = Int(record.loadLE(28, as: UInt32.self))
        let payloadLength = Int(record.loadLE(72, as: UInt32.self))
        guard count >= 1, count <= RecordFormat.maxEvents, payloadLength <= RecordFormat.maxPayloadBytes else {
            return .failure(.invalid("record claims \(count) events and \(payloadLength) payload bytes"))
        }

        // The variable part: type names, then one entry per event. The CRC already matched,
        // so a failure here means a writer bug or a forged record, and is reported as such.
        var cursor = RecordFormat.fixedHeaderEnd
        func need(_ n: Int) -> Bool { cursor + n <= frameOffset }
        let typeCount = Int(record.loadLE(76, as: UInt16.self))
        for _ in 0..<typeCount {
            guard need(1) else { return .failure(.invalid("type table runs past the header")) }
            let length = Int(record[cursor])
            cursor += 1
            guard need(length) else { return .failure(.invalid("type table runs past the header")) }
            cursor += length
        }
        let eventTable = cursor
        var sum = 0
        for _ in 0..<count {
            guard need(7) else { return .failure(.invalid("event table runs past the header")) }
            let length = Int(record.loadLE(cursor, as: UInt32.self))
            let typeIndex = Int(record.loadLE(cursor + 4, as: UInt16.self))
            let blobCount = Int(record[cursor + 6])
            cursor += 7
            guard typeIndex < typeCount else { return .failure(.invalid("event type index \(typeIndex) of \(typeCount)")) }
            guard need(32 * blobCount) else { return .failure(.invalid("blob list runs past the header")) }
            cursor += 32 * blobCount
            sum += length
        }
        guard cursor == frameOffset else { return .failure(.invalid("\(frameOffset - cursor) unexplained header bytes")) }
        guard sum == payloadLength else { return .failure(.invalid("event lengths sum to \(sum), header says \(payloadLength)")) }

        return .success(RecordHeader(
            firstSequence: record.loadLE(20), count: count, timeNanos: record.loadLE(32),
            previousHash: Hash256(bytes: record, at: 40), payloadLength: payloadLength,
            typeCount: typeCount, eventTable: eventTable, frameOffset: frameOffset, frameLength: frameLength))
    }

    /// Decompresses a parsed record's payloads into events.
    /// `decompressor`: a walk over many records passes its own, kept from one to the next.
    /// Only the frame can fail (an `LZ4FrameError`).
    static func events(of header: RecordHeader, in record: UnsafeRawBufferPointer,
                       using decompressor: LZ4Frame.Decompressor? = nil) throws -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(header.count)
        var scratch = WalkScratch()
        try forEachEvent(of: header, in: record, using: decompressor ?? LZ4Frame.Decompressor(), scratch: &scratch) { events.append($0) }
        return events
    }

    /// Calls `body` with each event of a parsed record as it is made, with no array of them. An
    /// error of the frame is an `LZ4FrameError`; `body`'s own errors pass through as they are.
    /// `scratch`: the walk's, kept from one record to the next.
    static func forEachEvent(of header: RecordHeader, in record: UnsafeRawBufferPointer, using decompressor: LZ4Frame.Decompressor,
                             scratch: inout WalkScratch, _ body: (Event) throws -> Void) throws {
        let frame = UnsafeRawBufferPointer(rebasing: record[header.frameOffset..<header.totalLength])
        try decompressor.withDecompressed(frame, expectedSize: header.payloadLength) { payload in
            try forEachEvent(of: header, head: record, payload: payload, scratch: &scratch, body)
        }
    }

    /// As above, for a record already decompressed: `head` holds the record's bytes up to its
    /// frame at least (the header and the event table), `payload` its payloads back to back.
    static func forEachEvent(of header: RecordHeader, head: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                             scratch: inout WalkScratch, _ body: (Event) throws -> Void) throws {
        scratch.readTypes(of: header, in: head)
        var start = 0, sequence = header.firstSequence
        try header.forEachEntry(in: head) { entry in
            try body(Event(
                sequence: sequence, timeNanos: header.timeNanos, type: scratch.types[entry.typeIndex],
                payload: scratch.payload(UnsafeRawBufferPointer(rebasing: payload[start..<(start + entry.length)])), blobs: entry.blobs))
            start += entry.length
            sequence += 1
        }
    }
}
