#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread reader-writer lock: any number of readers, or one writer.
///
/// pthread rather than `Synchronization.Mutex` because searches must share the lock; Thread
/// Sanitizer understands pthread locks, which is how the concurrency tests are checked. The lock lives
/// in its own allocation because a pthread lock must never move. On glibc it prefers a waiting
/// writer over new readers, so a steady stream of searches cannot starve the consumer's writes
/// (which is also why no code path takes the read lock twice on one thread).
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        lock.initialize(to: pthread_rwlock_t())
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        defer { pthread_rwlockattr_destroy(&attributes) }
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        let status = pthread_rwlock_init(lock, &attributes)
        precondition(status == 0, "pthread_rwlock_init failed with \(status)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func withReadLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withWriteLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

/// A plain pthread mutex for short critical sections (the scratch pool).
final class PthreadMutex: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// Reusable search scratch for concurrent readers: each search borrows one and returns it, so
/// concurrent searches never share working memory and steady-state searches allocate nothing.
final class ScratchPool: @unchecked Sendable {
    private let mutex = PthreadMutex()
    private var free: [SearchScratch] = []

    func borrow(slots: Int) -> SearchScratch {
        mutex.withLock { free.popLast() } ?? SearchScratch(slots: slots)
    }

    func giveBack(_ scratch: SearchScratch) {
        mutex.withLock { free.append(scratch) }
    }
}
