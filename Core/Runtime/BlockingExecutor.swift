import Dispatch

/// Runs blocking work (a C library call that may wait on the network or disk) on a dedicated serial
/// queue, so it never occupies a thread of Swift's cooperative pool, and lets async code await it.
///
/// Work submitted to one executor runs one item at a time, in submission order: an object that owns
/// a non-thread-safe C handle confines every call on it to its executor.
public final class BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    /// Creates an executor whose thread shows `label` in debuggers and crash reports.
    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` on the executor's queue and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result(catching: body)) }
        }
    }

    /// Runs non-throwing `body` on the executor's queue and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Schedules `body` after the work already submitted and returns at once; for cleanup from
    /// deinitializers, which must not block the thread they run on.
    public func submit(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
