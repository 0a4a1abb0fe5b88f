import Foundation
@testable import EventLog

/// The forger a signature must stop: it rewrites one event's payload in a store's only
/// segment and then recomputes every CRC-32C and chain link after it, as a careful attacker
/// with write access would. Plain `verify` cannot tell the result from an honest store.
public enum HistoryRewriter {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The file of a store's single segment (line 1, from sequence 1): the rewriter's target.
    public static func onlySegment(of store: String) -> String {
        store + "/lines/000001/" + SegmentFormat.fileName(firstSequence: 1)
    }

    /// Replaces the payload of event `sequence` with `transform(old payload)` in the store's
    /// single segment, re-encoding every record with its original time and a recomputed link.
    public static func rewrite(store: String, sequence: UInt64, _ transform: ([UInt8]) -> [UInt8]) throws {
        try replace(store: store, sequence: sequence) { EventDraft(type: $0.type, payload: transform($0.payload), blobs: $0.blobs) }
    }

    /// Replaces event `sequence` (type, payload and the blobs its record header lists).
    public static func replace(store: String, sequence: UInt64, with transform: (EventDraft) -> EventDraft) throws {
        let path = onlySegment(of: store)
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        guard case .success(let scan) = bytes.withUnsafeBytes({ SegmentScan.scan($0, hashes: false) }), scan.tail == .clean else {
            throw Failure(description: "\(path) is not a clean segment")
        }
        var rewritten = Array(bytes[0..<SegmentFormat.headerLength])
        var previous = Hash256.zero
        var found = false
        for record in scan.records {
            let recordBytes = Array(bytes[record.offset..<(record.offset + record.length)])
            let (header, events) = try recordBytes.withUnsafeBytes { raw throws -> (RecordHeader, [Event]) in
                guard case .success(let header) = RecordCodec.parse(raw, at: 0) else { throw Failure(description: "record at \(record.offset) does not parse") }
                return (header, try RecordCodec.events(of: header, in: raw))
            }
            let drafts = events.map { event in
                guard event.sequence == sequence else { return event.draft }
                found = true
                return transform(event.draft)
            }
            let encoded = RecordCodec.encode(drafts, firstSequence: header.firstSequence, timeNanos: header.timeNanos, previousHash: previous)
            previous = Hash256.of(encoded)
            rewritten += encoded
        }
        guard found else { throw Failure(description: "no event \(sequence) in \(path)") }
        guard FileManager.default.createFile(atPath: path, contents: Data(rewritten)) else {
            throw Failure(description: "could not write the rewritten segment to \(path)")
        }
    }
}
