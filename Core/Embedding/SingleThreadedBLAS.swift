import Foundation
import TwinlogLinalg

/// Keeps OpenBLAS single-threaded while any embedder computes, and restores the previous thread
/// count when the last one finishes (embedders parallelize over shards of a batch themselves).
enum SingleThreadedBLAS {
    private static let lock = NSLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private static var users = 0
    nonisolated(unsafe) private static var savedThreads = 1

    static func run<T>(_ body: () -> T) -> T {
        lock.withLock {
            if users == 0 {
                savedThreads = BLAS.threads
                BLAS.threads = 1
            }
            users += 1
        }
        defer {
            lock.withLock {
                users -= 1
                if users == 0 { BLAS.threads = savedThreads }
            }
        }
        return body()
    }
}
