import SystemIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether a walk reads a segment's records on a second thread while the caller decodes the
/// events it already has. The events, their order and every error are the same either way
/// (`ReadAheadTests`); only the time differs.
public enum ReadAhead: Sendable {
    /// Never: one thread reads and decodes.
    case never
    /// Always, even for a record or two: what the tests use to run the read-ahead path.
    case always
    /// For a segment with at least `RecordReadAhead.minimumBytes` left to read, on a machine
    /// with more than one processor (the default).
    case automatic

    /// Whether a segment with `bytes` left to read is read ahead.
    public func applies(toBytes bytes: Int) -> Bool {
        switch self {
        case .never: false
        case .always: true
        case .automatic: bytes >= RecordReadAhead.minimumBytes && RecordReadAhead.processors > 1
        }
    }
}

/// A segment walk split over two threads. The read-ahead thread reads the file, checks each
/// record's CRC-32C and decompresses its payloads into a batch; the caller takes the batches in
/// order and makes and hands out the events. Reading, checking and decompressing were about a
/// third of a replay's time (docs/benchmarks.md, 2026-12-07); the rest, decoding and folding
/// the events, stays on the caller's thread, as objects made on one core and freed on the
/// other cost more than they saved when the decoding moved too.
///
/// Batches are reused (at most `depth` exist), so the threads pass buffers, not allocations.
/// An error of the reading thread reaches the caller after every event before it, as in a
/// walk on one thread; an error of the caller's body stops the reading thread before the walk
/// returns.
enum RecordReadAhead {
    /// Decompressed bytes per batch, and batches in flight.
    static let batchBytes = 256 << 10, depth = 4
    /// A segment with less to read than this is read on the caller's thread: starting a
    /// thread costs more than it saves on a few records.
    static let minimumBytes = 1 << 20
    static let processors = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Records read and decompressed, ready for their events to be made.
    final class Batch: @unchecked Sendable {
        // Owned by one thread at a time: the hand-offs pass it.
        struct Entry {
            var header: RecordHeader
            /// The record's bytes up to its frame, and its decompressed payloads, in `bytes`.
            var head: Range<Int>, payload: Range<Int>
        }

        private(set) var bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordReadAhead.batchBytes, alignment: 16)
        private(set) var used = 0
        private(set) var entries: [Entry] = []

        deinit { bytes.deallocate() }

        func reset() {
            used = 0
            entries.removeAll(keepingCapacity: true)
        }

        /// Copies the record's header and event table in and decompresses its frame after them.
        func add(_ header: RecordHeader, _ record: UnsafeRawBufferPointer, using decompressor: LZ4Frame.Decompressor) throws(LZ4FrameError) {
            let head = used..<(used + header.frameOffset), payload = head.upperBound..<(head.upperBound + header.payloadLength)
            reserve(payload.upperBound)
            UnsafeMutableRawBufferPointer(rebasing: bytes[head]).copyMemory(from: UnsafeRawBufferPointer(rebasing: record[0..<header.frameOffset]))
            try decompressor.decompress(UnsafeRawBufferPointer(rebasing: record[header.frameOffset..<header.totalLength]),
                                        into: UnsafeMutableRawBufferPointer(rebasing: bytes[payload]))
            used = payload.upperBound
            entries.append(Entry(header: header, head: head, payload: payload))
        }

        private func reserve(_ count: Int) {
            guard count > bytes.count else { return }
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 2 * bytes.count), alignment: 16)
            larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<used]))
            bytes.deallocate()
            bytes = larger
        }
    }

    enum Item: Sendable {
        case batch(Batch)
        case end(SegmentRecords.Outcome)
        case failed(LogError)
    }

    /// Walks `records` with a read-ahead thread, calling `body` with each record's events (all of
    /// them: the caller filters). Nil when no thread could be started and nothing was read.
    static func forEachEvent(of records: SegmentRecords, scratch: inout WalkScratch,
                             _ body: (Event) throws -> Void) throws -> SegmentRecords.Outcome? {
        let ready = HandOff<Item>(), free = HandOff<Batch>()
        guard let reader = JoinableThread.start({ read(records, into: ready, reusing: free) }) else { return nil }
        defer {
            ready.close()
            free.close()
            reader.join()
        }
        while let item = ready.take() {
            switch item {
            case .batch(let batch):
                for entry in batch.entries {
                    try RecordCodec.forEachEvent(of: entry.header, head: UnsafeRawBufferPointer(rebasing: batch.bytes[entry.head]),
                                                 payload: UnsafeRawBufferPointer(rebasing: batch.bytes[entry.payload]), scratch: &scratch, body)
                }
                free.put(batch)
            case .end(let outcome):
                return outcome
            case .failed(let error):
                throw error
            }
        }
        throw LogError(.io, "the read-ahead of \(records.segment.path) stopped without an end")
    }

    /// The reading thread: fills batches and passes them on until the segment's records end,
    /// a record fails, or the caller closes the hand-offs.
    private static func read(_ records: SegmentRecords, into ready: HandOff<Item>, reusing free: HandOff<Batch>) {
        struct Stopped: Error {}
        var batch = Batch(), made = 1
        /// Passes a full batch on and takes an empty one; false once the caller stopped.
        func passFull() -> Bool {
            guard ready.put(.batch(batch)) else { return false }
            if made < depth {
                made += 1
                batch = Batch()
            } else {
                guard let reused = free.take() else { return false }
                reused.reset()
                batch = reused
            }
            return true
        }
        let last: Item
        do {
            let decompressor = try LZ4Frame.Decompressor(checksums: false)
            let outcome = try records.forEach { header, record in
                try batch.add(header, record, using: decompressor)
                if batch.used >= batchBytes, !passFull() { throw Stopped() }
            }
            last = .end(outcome)
        } catch is Stopped {
            return
        } catch let error as LogError {
            last = .failed(error)
        } catch {
            last = .failed(LogError(.io, "reading ahead: \(error)", path: records.segment.path))
        }
        // The records read before the end or the failure reach the caller first; no batch is
        // needed after them.
        if !batch.entries.isEmpty, !ready.put(.batch(batch)) { return }
        ready.put(last)
    }
}
