#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Items passed from one thread to another, oldest first, behind a pthread mutex and condition
/// variable (for the reason `Locked` gives). `take` waits for an item. Either side gives up with
/// `close`: every waiter wakes, `take` returns nil and `put` refuses, so neither thread can wait
/// forever for one that stopped.
public final class HandOff<Item>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Item] = []
    private var closed = false

    public init() {
        mutex.initialize(to: pthread_mutex_t())
        changed.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0 && pthread_cond_init(changed, nil) == 0, "pthread_mutex_init or pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// Adds `item` for the other side; false, and the item dropped, once the hand-off is closed.
    @discardableResult
    public func put(_ item: Item) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        items.append(item)
        pthread_cond_signal(changed)
        return true
    }

    /// The oldest item, waiting until there is one; nil once the hand-off is closed.
    public func take() -> Item? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty && !closed { pthread_cond_wait(changed, mutex) }
        return closed ? nil : items.removeFirst()
    }

    /// Stops the hand-off for both sides and wakes whoever waits.
    public func close() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        closed = true
        items.removeAll()
        pthread_cond_broadcast(changed)
    }
}

/// A thread that runs one closure and is waited for with `join`, for work a caller hands to the
/// machine's other core and must see finish before it returns (a walk's read-ahead).
public final class JoinableThread {
    private let handle: pthread_t

    /// Starts `body` on a new thread; nil when the system refuses one (the caller then does the
    /// work itself).
    public static func start(_ body: @escaping @Sendable () -> Void) -> JoinableThread? {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return nil
        }
        return JoinableThread(handle)
    }

    private init(_ handle: pthread_t) { self.handle = handle }

    /// Waits for the thread's closure to return.
    public func join() {
        pthread_join(handle, nil)
    }
}
