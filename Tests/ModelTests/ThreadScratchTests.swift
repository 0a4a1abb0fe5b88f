import CKernels
import Glibc
import Testing

/// The kernels' per-thread buffers: reused by a thread, and given back when the thread ends.
/// Each test makes its own kind of scratch, so the kernels running in other suites beside it
/// do not move its byte count.
@Suite struct ThreadScratchTests {
    /// What a thread did with a scratch: the buffers it got and the bytes held while it ran.
    struct Trial {
        let scratch: OpaquePointer
        var sizes: [Int64] = []
        var buffers: [UnsafeMutablePointer<Float>?] = []
        var liveBytesWhileRunning: Int64 = 0
    }

    /// Runs each trial on its own new thread, all at once, and returns after every thread has
    /// ended (pthread_join: its thread-specific destructors have run).
    static func run(_ trials: inout [Trial]) {
        let threads = trials.withUnsafeMutableBufferPointer { slots in
            slots.indices.map { i -> pthread_t in
                var thread = pthread_t()
                let started = pthread_create(&thread, nil, { argument in
                    let trial = argument!.assumingMemoryBound(to: Trial.self)
                    for size in trial.pointee.sizes {
                        let buffer = gesal_thread_scratch_floats(trial.pointee.scratch, size)
                        buffer?.update(repeating: 1, count: Int(size))
                        trial.pointee.buffers.append(buffer)
                    }
                    trial.pointee.liveBytesWhileRunning = gesal_thread_scratch_live_bytes(trial.pointee.scratch)
                    return nil
                }, slots.baseAddress! + i)
                precondition(started == 0, "pthread_create: \(started)")
                return thread
            }
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    @Test func everyThreadsBufferIsFreedWhenItsThreadEnds() throws {
        let scratch = try #require(gesal_thread_scratch_create())
        var trials = (0..<8).map { _ in Trial(scratch: scratch, sizes: [100_000, 300_000]) }
        Self.run(&trials)
        #expect(trials.allSatisfy { $0.liveBytesWhileRunning >= 300_000 * 4 })
        #expect(gesal_thread_scratch_live_bytes(scratch) == 0)
    }

    @Test func aThreadReusesItsBufferUntilItIsTooShort() throws {
        let scratch = try #require(gesal_thread_scratch_create())
        var trials = [Trial(scratch: scratch, sizes: [1000, 500, 1000, 4096])]
        Self.run(&trials)
        let buffers = trials[0].buffers
        #expect(buffers.allSatisfy { $0 != nil })
        #expect(buffers[1] == buffers[0] && buffers[2] == buffers[0])
        #expect(trials[0].liveBytesWhileRunning == 4096 * 4)  // the grown buffer alone
    }

    @Test func buffersAreAlignedForAVX512Loads() throws {
        let scratch = try #require(gesal_thread_scratch_create())
        var trials = [Trial(scratch: scratch, sizes: [1, 17, 1000, 4099])]
        Self.run(&trials)
        #expect(trials[0].buffers.allSatisfy { $0.map { Int(bitPattern: $0) % 64 == 0 } ?? false })
    }
}
