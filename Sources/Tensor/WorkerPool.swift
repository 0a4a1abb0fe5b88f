import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Threads that stay awake between the products of a decode step. A step runs about 211
/// products (seven per block and the head); handing each to libdispatch woke a thread every
/// time, which cost about what the second thread saved (docs/benchmarks.md). Here helpers
/// spin on a counter for a while after each product, so the next one starts without a system
/// call, and then sleep on a condition variable.
///
/// Workers claim pieces from a counter, the caller too, so a helper the scheduler has not run
/// (a busy machine) leaves its piece to the caller instead of making it wait. Which thread
/// computes a piece never changes a number.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// Bumped once per job; helpers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// The current job's number (high 32 bits) and its next piece to claim (low 32 bits): a
    /// helper late from an earlier job finds another number and claims nothing.
    private let claimed = Atomic<Int>(0)
    /// Pieces of the current job finished.
    private let done = Atomic<Int>(0)
    /// The current job's pieces.
    private let pieces = Atomic<Int>(0)
    /// One caller at a time; another runs its job on libdispatch.
    private let busy = Atomic<Bool>(false)
    /// The current job, written before `claimed` names it (release) and read only after a
    /// piece of it is claimed (acquire).
    private var job: ((Int) -> Void)?
    /// Helper threads started (changed only by the caller holding `busy`).
    private var helpers = 0
    /// Guards `sleepers`; helpers that stopped spinning wait on `wake`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var sleepers = 0

    /// Checks of the counter before a helper sleeps (some tens of microseconds), and before a
    /// waiting caller starts yielding its core.
    static let spins = 1 << 15, callerSpins = 1 << 10

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    /// Splits `outputs` into contiguous runs, one per thread of `threads` (fewer when a run
    /// would be under `minimumRun` outputs), and runs `body` on each: how the products share
    /// their work. The runs never change a number, since each output's sum is computed whole by
    /// one thread.
    func split(outputs: Int, threads: Int, minimumRun: Int = 64, _ body: @Sendable (Range<Int>) -> Void) {
        let runs = Self.runs(outputs: outputs, threads: threads, minimumRun: minimumRun)
        guard !runs.isEmpty else { return }
        run(workers: runs.count) { worker in body(runs[worker]) }
    }

    /// `split`'s runs of `outputs` for `threads` threads, none empty.
    static func runs(outputs: Int, threads: Int, minimumRun: Int = 64) -> [Range<Int>] {
        let workers = max(1, min(threads, outputs / minimumRun))
        let chunk = (outputs + workers - 1) / workers
        return (0..<workers).map { ($0 * chunk)..<min(outputs, ($0 + 1) * chunk) }.filter { !$0.isEmpty }
    }

    /// Runs `body(0)` ... `body(pieces - 1)`, here and on up to `pieces - 1` helpers, and
    /// returns when all have run.
    func run(workers pieces: Int, _ body: @Sendable (Int) -> Void) {
        guard pieces > 1 else { return body(0) }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return DispatchQueue.concurrentPerform(iterations: pieces, execute: body)
        }
        defer { busy.store(false, ordering: .releasing) }
        while helpers < pieces - 1 { start() }
        withoutActuallyEscaping(body) { body in
            let id = generation.load(ordering: .relaxed) + 1
            job = body
            done.store(0, ordering: .relaxed)
            self.pieces.store(pieces, ordering: .relaxed)
            claimed.store(id << 32, ordering: .releasing)
            generation.store(id, ordering: .releasing)
            pthread_mutex_lock(mutex)
            if sleepers > 0 { pthread_cond_broadcast(wake) }
            pthread_mutex_unlock(mutex)
            work(job: id)
            var spins = 0
            while done.load(ordering: .acquiring) < pieces {
                spins += 1
                if spins > Self.callerSpins { sched_yield() }
            }
            job = nil
        }
    }

    /// Claims and runs pieces of job `id` until none is left (or another job has begun).
    private func work(job id: Int) {
        var current = claimed.load(ordering: .acquiring)
        while current >> 32 == id && current & 0xFFFF_FFFF < pieces.load(ordering: .relaxed) {
            let (exchanged, original) = claimed.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                job!(current & 0xFFFF_FFFF)
                done.add(1, ordering: .releasing)
                current = claimed.load(ordering: .acquiring)
            } else {
                current = original
            }
        }
    }

    private func start() {
        let seen = generation.load(ordering: .acquiring)
        helpers += 1
        let context = Unmanaged.passRetained(Helper(pool: self, seen: seen)).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { context in
            Unmanaged<Helper>.fromOpaque(context!).takeRetainedValue().loop()
        }, context)
        precondition(status == 0, "pthread_create failed with \(status)")
        pthread_detach(handle)
    }

    /// One helper: waits for a new job, claims pieces of it, forever.
    private final class Helper {
        let pool: WorkerPool
        var seen: Int

        init(pool: WorkerPool, seen: Int) {
            self.pool = pool
            self.seen = seen
        }

        func loop() -> Never {
            while true {
                var spins = 0
                while pool.generation.load(ordering: .acquiring) == seen {
                    spins += 1
                    if spins >= WorkerPool.spins { sleep() }
                }
                seen = pool.generation.load(ordering: .acquiring)
                pool.work(job: seen)
            }
        }

        private func sleep() {
            pthread_mutex_lock(pool.mutex)
            pool.sleepers += 1
            while pool.generation.load(ordering: .acquiring) == seen { pthread_cond_wait(pool.wake, pool.mutex) }
            pool.sleepers -= 1
            pthread_mutex_unlock(pool.mutex)
        }
    }
}
