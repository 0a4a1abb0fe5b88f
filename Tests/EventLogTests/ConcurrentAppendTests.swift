import Dispatch
import Foundation
import Synchronization
import SystemIO
import Testing
@testable import EventLog

/// One writer shared by several threads, while readers read: every batch lands whole and
/// contiguous, each thread's batches keep their order, and no reader ever sees a gap or a
/// half batch.
@Suite struct ConcurrentAppendTests {
    private static let writers = 4, batches = 40

    /// Thread `t`'s batch `b`: 1 to 3 events naming their place, so any mix-up shows.
    private static func batch(_ t: Int, _ b: Int) -> [EventDraft] {
        (0..<(1 + (t + b) % 3)).map { i in EventDraft(type: "t\(t)", payload: Array("\(t)/\(b)/\(i)/".utf8) + Array(repeating: UInt8(b), count: 200)) }
    }

    private static func place(_ event: Event) -> (thread: Int, batch: Int, index: Int)? {
        let text = String(decoding: event.payload, as: UTF8.self).split(separator: "/", omittingEmptySubsequences: false)
        guard text.count >= 3, let t = Int(text[0]), let b = Int(text[1]), let i = Int(text[2]) else { return nil }
        return (t, b, i)
    }

    @Test func threadsAppendingThroughOneWriterWhileReadersReadLoseAndMixNothing() throws {
        let folder = TemporaryDirectory()
        let path = folder.sub("s")
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .always, segmentBytes: 4096))
        let done = Atomic<Bool>(false)
        let readerProblems = Mutex<[String]>([])
        let reads = Atomic<Int>(0)
        // Threads of their own, not Dispatch's pool: with the suite's tests running in
        // parallel the pool can be busy until the appends are over, and nothing is read.
        let readersStarted = DispatchSemaphore(value: 0), readersDone = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            Thread {
                var first = true
                while first || !done.load(ordering: .acquiring) {
                    do {
                        let events = try LogStore(at: path).events()
                        if let gap = events.enumerated().first(where: { $0.element.sequence != UInt64($0.offset + 1) }) {
                            readerProblems.withLock { $0.append("gap at \(gap.offset + 1)") }
                        }
                        if let last = events.last, let place = Self.place(last), place.index != Self.batch(place.thread, place.batch).count - 1 {
                            readerProblems.withLock { $0.append("a reader saw half of batch \(place.thread)/\(place.batch)") }
                        }
                        reads.add(1, ordering: .relaxed)
                    } catch {
                        readerProblems.withLock { $0.append("\(error)") }
                    }
                    if first { readersStarted.signal() }
                    first = false
                }
                readersDone.signal()
            }.start()
        }
        for _ in 0..<2 { readersStarted.wait() }  // both read once before any append
        let appendErrors = Mutex<[String]>([])
        let writersDone = DispatchSemaphore(value: 0)
        for t in 0..<Self.writers {
            Thread {
                for b in 0..<Self.batches {
                    do { try writer.append(Self.batch(t, b)) } catch { appendErrors.withLock { $0.append("\(error)") } }
                }
                writersDone.signal()
            }.start()
        }
        for _ in 0..<Self.writers { writersDone.wait() }
        done.store(true, ordering: .releasing)
        for _ in 0..<2 { readersDone.wait() }
        try writer.close()

        #expect(appendErrors.withLock { $0 }.isEmpty)
        #expect(readerProblems.withLock { $0 }.isEmpty, "\(readerProblems.withLock { $0.prefix(3) })")
        #expect(reads.load(ordering: .relaxed) >= 2)
        let events = try LogStore(at: folder.sub("s")).events()
        #expect(events.count == (0..<Self.writers).reduce(0) { sum, t in sum + (0..<Self.batches).reduce(0) { $0 + Self.batch(t, $1).count } })
        // Each batch is contiguous and in its own order; each thread's batches come in order.
        var next = [Int](repeating: 0, count: Self.writers)
        var position = 0
        while position < events.count {
            guard let place = Self.place(events[position]), place.index == 0, place.batch == next[place.thread] else {
                Issue.record("event \(events[position].sequence) is not the start of thread's next batch")
                return
            }
            let expected = Self.batch(place.thread, place.batch)
            #expect(Array(events[position..<(position + expected.count)].map(\.draft)) == expected)
            next[place.thread] += 1
            position += expected.count
        }
        #expect(next == [Int](repeating: Self.batches, count: Self.writers))
        #expect(StoreVerifier.verify(try LogStore(at: folder.sub("s"))).ok)
    }

    /// The race above, made certain: a reader reads the store right after each of the
    /// writer's `open` and `pwrite` calls, so also between creating a new segment and
    /// writing its header. It must never meet a segment shorter than its header.
    @Test func aReaderBetweenAnyTwoOfTheWritersCallsReadsAWholeStore() throws {
        let folder = TemporaryDirectory()
        let path = folder.sub("s")
        let armed = Atomic<Bool>(false)
        let problems = Mutex<[String]>([])
        let readAfter: @Sendable (String) -> Void = { call in
            guard armed.load(ordering: .acquiring) else { return }
            do { _ = try LogStore(at: path).events() } catch { problems.withLock { $0.append("after \(call): \(error)") } }
        }
        var calls = Syscalls.live
        calls.open = { file, flags, mode in
            defer { readAfter("open \(file)") }
            return Syscalls.live.open(file, flags, mode)
        }
        calls.pwrite = { fd, buffer, count, offset in
            defer { readAfter("pwrite") }
            return Syscalls.live.pwrite(fd, buffer, count, offset)
        }
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .always, segmentBytes: 4096), syscalls: calls)
        armed.store(true, ordering: .releasing)
        for b in 0..<60 { try writer.append(Self.batch(0, b)) }
        armed.store(false, ordering: .releasing)
        try writer.close()
        let segments = try FileManager.default.contentsOfDirectory(atPath: path + "/lines/000001").filter { $0.hasSuffix(".seg") }
        #expect(segments.count >= 3, "the appends roll over segments")
        #expect(problems.withLock { $0 }.isEmpty, "\(problems.withLock { $0.prefix(3) })")
    }
}
