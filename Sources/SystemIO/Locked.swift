#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that one thread at a time reads or changes, behind a pthread mutex: the package's
/// lock for the few resources with a single owner (a writer's open segment, counters that
/// server threads share, a progress bar). Threads that wait for each other use `HandOff`.
///
/// Why not `Synchronization.Mutex`: on Linux it locks with atomics and futex calls inside the
/// standard library, which ThreadSanitizer does not see. Every access behind it was then reported
/// as a race (21 false reports in the first TSan run, docs/reliability.md), and a real race
/// behind it could not be found. ThreadSanitizer intercepts pthread mutexes, so behind this lock
/// it reports only what is real. The cost is the same uncontended lock and unlock.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; `body` must not call `withLock` on the same
    /// lock (it is not recursive).
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
