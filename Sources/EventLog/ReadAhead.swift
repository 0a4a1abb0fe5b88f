import Foundation

extension EventHistory {
    /// As `forEachEvent`, with the reading done on a second thread: it reads, checks and
    /// decompresses the next batches while `body` runs here on the events before them, in
    /// order. Replay spent about two fifths of its time reading (2026-12-06, docs/benchmarks.md).
    ///
    /// What `body` sees is exactly what `forEachEvent` gives it: the same events in the same
    /// order, and a read error only after every event before the damage. An error of `body`
    /// stops the reader, and this returns only once the reader has stopped.
    public func forEachEventReadingAhead(branch: String = "main", from: UInt64 = 1, through: UInt64? = nil,
                                         batch: Int = ReadAhead.batch, _ body: (Event) throws -> Void) throws {
        let channel = ReadAhead(capacity: ReadAhead.batchesAhead)
        let reader = Thread { [self] in
            var pending: [Event] = []
            pending.reserveCapacity(batch)
            do {
                try forEachEvent(branch: branch, from: from, through: through) { event in
                    pending.append(event)
                    guard pending.count == batch else { return }
                    guard channel.send(pending) else { throw ReadAhead.Stopped() }
                    pending.removeAll(keepingCapacity: true)
                }
                if !pending.isEmpty { _ = channel.send(pending) }
                channel.finish(failure: nil)
            } catch is ReadAhead.Stopped {
                channel.finish(failure: nil)
            } catch {
                // The events read before the damage come first, as `forEachEvent` gives them.
                if !pending.isEmpty { _ = channel.send(pending) }
                channel.finish(failure: error)
            }
        }
        reader.name = "gesal-read-ahead"
        reader.start()
        defer { channel.stopAndWait() }
        while let events = try channel.receive() {
            for event in events { try body(event) }
        }
    }
}

/// The hand-over between the reading thread and the folding one: a short queue of batches.
/// A bounded queue keeps the reader a few batches ahead (their bytes still in cache) instead
/// of reading the whole history into memory.
public final class ReadAhead: @unchecked Sendable {
    /// Events per hand-over: few enough that a batch stays in cache, many enough that the
    /// threads meet rarely (each meeting may cost a futex wake).
    public static let batch = 256
    public static let batchesAhead = 4

    struct Stopped: Error {}

    private let condition = NSCondition()
    private let capacity: Int
    // All guarded by `condition`.
    private var batches: [[Event]] = []
    private var finished = false
    private var failure: (any Error)?
    private var stopped = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Queues a batch, waiting while the queue is full; false once the folder has stopped.
    func send(_ batch: [Event]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !stopped { condition.wait() }
        guard !stopped else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The reader has read everything, or failed with `failure`.
    func finish(failure: (any Error)?) {
        condition.lock()
        finished = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in order; nil after the last; the reader's error after the batches read before it.
    func receive() throws -> [Event]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            condition.broadcast()
            return batches.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Tells the reader to stop (it may be waiting for room) and waits until it has.
    func stopAndWait() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        batches.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
    }
}
